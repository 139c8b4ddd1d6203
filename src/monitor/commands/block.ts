/** block-core.json query-block: every drive of the machine, in creation order (QEMU's blk_next walk). */
import type { MachineCommandHandler } from "../machine-context.js";

export const queryBlockCmd: MachineCommandHandler = (_args, ctx) => ctx.instance.blockBackends.all().map((blk) => blk.queryBlock());
