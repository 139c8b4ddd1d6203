/**
 * yank.json: instances whose network connections can be cut.  In a qomd
 * machine these are the socket chardevs (QEMU registers one yank instance per
 * socket chardev when it opens, and drops it when the chardev goes); qomd has
 * no NBD block nodes and never migrates, so 'block-node' and 'migration'
 * instances never exist.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { isChildProperty, type QomObject } from "../../qom/object.js";
import { QmpError } from "../../qapi/error.js";
import { TYPE_CHARDEV_SOCKET, type SocketChardev } from "../../chardev/char-socket.js";
import type { MachineCommandHandler, MachineContext } from "../machine-context.js";

/** Socket chardevs in the order they were created (the /chardevs children's insertion order). */
function yankableChardevs(ctx: MachineContext): SocketChardev[] {
  const root = ctx.instance.chardevs.root;
  const out: SocketChardev[] = [];
  for (const prop of root.properties.values()) {
    if (!isChildProperty(prop)) continue;
    const chr = (prop.opaque as QomObject).dynamicCast<SocketChardev>(TYPE_CHARDEV_SOCKET);
    if (chr) out.push(chr);
  }
  return out;
}

/** query-yank: QEMU's list is newest first and its query prepends, so the answer is oldest first. */
export const queryYankCmd: MachineCommandHandler = (_args, ctx) =>
  yankableChardevs(ctx).map((chr) => ({ type: "chardev", id: chr.label }));

function findInstance(ctx: MachineContext, instance: JsonObject): SocketChardev | undefined {
  if (instance["type"] !== "chardev") return undefined;
  return yankableChardevs(ctx).find((chr) => chr.label === instance["id"]);
}

/** yank: every instance must exist before anything is cut; then each chardev drops its connection. */
export const yankCmd: MachineCommandHandler = (args, ctx) => {
  const instances = args["instances"] as JsonObject[];
  const found: SocketChardev[] = [];
  for (const instance of instances) {
    const chr = findInstance(ctx, instance);
    if (!chr) throw new QmpError("DeviceNotFound", "Instance not found");
    found.push(chr);
  }
  for (const chr of found) chr.disconnect();
  return undefined;
};
