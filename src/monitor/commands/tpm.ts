/**
 * tpm.json: which TPM front ends (device models) and back ends this build
 * has.  Both answers come from the type registry, as QEMU's do: a model is a
 * class implementing the tpm-if interface, a back end kind is listed when its
 * tpm-<kind> type is registered.  qomd registers no TPM types yet, so both
 * lists are empty until someone adds them (QEMU 7.2 says ["tpm-crb",
 * "tpm-tis"] and ["passthrough", "emulator"]).
 */
import type { JsonValue } from "../../qobject/json-value.js";
import type { ObjectClass } from "../../qom/type.js";
import { schema } from "../../qapi/schema.js";
import type { RegistryCommandHandler } from "../machine-context.js";

export const TYPE_TPM_IF = "tpm-if";

/** What a TPM front-end class says about itself (QEMU's TPMIfClass.model). */
interface TpmIfClass extends ObjectClass {
  tpmModel?: string;
}

export const queryTpmModelsCmd: RegistryCommandHandler = (_args, ctx) => {
  if (!ctx.registry.lookup(TYPE_TPM_IF)) return [];
  const models: JsonValue[] = [];
  for (const klass of ctx.registry.classList(TYPE_TPM_IF, false)) {
    const model = (klass as TpmIfClass).tpmModel;
    if (model !== undefined) models.push(model);
  }
  return models;
};

/** The TpmType enum in schema order (QEMU walks TPM_TYPE__MAX in the same order). */
function tpmTypeValues(): readonly string[] {
  const def = schema.types["TpmType"];
  return def?.meta === "enum" ? def.values : [];
}

export const queryTpmTypesCmd: RegistryCommandHandler = (_args, ctx) =>
  tpmTypeValues().filter((kind) => ctx.registry.has(`tpm-${kind}`));
