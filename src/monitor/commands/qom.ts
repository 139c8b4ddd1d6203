/** qom.json: the QOM commands (bodies in src/qom/qom-qmp-cmds.ts and user-creatable.ts). */
import type { JsonObject } from "../../qobject/json-value.js";
import { qomGet, qomList, qomListProperties, qomListTypes, qomSet } from "../../qom/qom-qmp-cmds.js";
import { userCreatableAdd, userCreatableDel } from "../../qom/user-creatable.js";
import type { MachineCommandHandler, RegistryCommandHandler } from "../machine-context.js";

export const qomListCmd: MachineCommandHandler = (args, ctx) => qomList(ctx.registry, args["path"] as string);

export const qomGetCmd: MachineCommandHandler = (args, ctx) =>
  qomGet(ctx.registry, args["path"] as string, args["property"] as string);

export const qomSetCmd: MachineCommandHandler = (args, ctx) => {
  qomSet(ctx.registry, args["path"] as string, args["property"] as string, args["value"]!);
  return undefined;
};

export const qomListTypesCmd: RegistryCommandHandler = (args, ctx) =>
  qomListTypes(ctx.registry, args["implements"] as string | undefined, (args["abstract"] as boolean | undefined) ?? false);

export const qomListPropertiesCmd: RegistryCommandHandler = (args, ctx) =>
  qomListProperties(ctx.registry, args["typename"] as string);

/** object-add is boxed: qom-type and id, then the type's own members. */
export const objectAddCmd: MachineCommandHandler = (args, ctx) => {
  const { ["qom-type"]: qomType, id, ...props } = args;
  userCreatableAdd(ctx.registry, qomType as string, id as string, props as JsonObject, "json");
  return undefined;
};

export const objectDelCmd: MachineCommandHandler = (args, ctx) => {
  userCreatableDel(ctx.registry, args["id"] as string);
  return undefined;
};
