/**
 * migration.json, as far as a machine that never migrates answers it: every
 * capability QEMU 7.2 knows, all off (nothing can turn them on: qomd has no
 * migrate-set-capabilities), and the OOB commands report QEMU's texts for
 * "no postcopy in progress".
 */
import { QmpError } from "../../qapi/error.js";
import { schema } from "../../qapi/schema.js";
import type { MachineCommandHandler } from "../machine-context.js";

export const migratePauseCmd: MachineCommandHandler = () => {
  throw new QmpError("GenericError", "migrate-pause is currently only supported during postcopy-active state");
};

export const migrateRecoverCmd: MachineCommandHandler = () => {
  throw new QmpError("GenericError", "Migrate recover can only be run when postcopy is paused.");
};

/** MigrationCapability in schema order: QEMU lists them in enum order, block included (live block migration is built in Debian's QEMU). */
function migrationCapabilities(): readonly string[] {
  const def = schema.types["MigrationCapability"];
  return def?.meta === "enum" ? def.values : [];
}

export const queryMigrateCapabilitiesCmd: MachineCommandHandler = () =>
  migrationCapabilities().map((capability) => ({ capability, state: false }));
