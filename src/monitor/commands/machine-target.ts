/** machine-target.json: CPU models (bodies in src/target/i386). */
import type { JsonObject } from "../../qobject/json-value.js";
import { queryX86CpuDefinitions } from "../../target/i386/cpu-definitions.js";
import { queryX86CpuModelExpansion } from "../../target/i386/cpu-model-expansion.js";
import type { RegistryCommandHandler } from "../machine-context.js";

export const queryCpuDefinitionsCmd: RegistryCommandHandler = () => queryX86CpuDefinitions();

type ExpansionType = Parameters<typeof queryX86CpuModelExpansion>[0];
type ModelInfo = Parameters<typeof queryX86CpuModelExpansion>[1];

export const queryCpuModelExpansionCmd: RegistryCommandHandler = (args) =>
  queryX86CpuModelExpansion(args["type"] as ExpansionType, args["model"] as unknown as ModelInfo) as unknown as JsonObject;
