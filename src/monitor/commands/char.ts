/** char.json: query-chardev lists the machine's character devices (its monitors). */
import type { MachineCommandHandler } from "../machine-context.js";

export const queryChardevCmd: MachineCommandHandler = (_args, ctx) => ctx.chardevs();
