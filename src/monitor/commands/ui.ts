/**
 * ui.json query-display-options: the display as the command line set it.
 * When nothing chose one, QEMU picks the first display front end it can load;
 * the Debian build qomd mirrors has none loadable without its GUI packages,
 * so "default" ends up "none" (with -nographic too).
 */
import type { JsonObject } from "../../qobject/json-value.js";
import type { MachineCommandHandler } from "../machine-context.js";

export const queryDisplayOptionsCmd: MachineCommandHandler = (_args, ctx) => {
  const display = ctx.instance.cmdline.display;
  const out: JsonObject = { ...display };
  if (display.type === "default" || ctx.instance.cmdline.nographic) out["type"] = "none";
  return out;
};
