/**
 * migration.json and yank.json, as far as a machine that never migrates
 * answers them: the OOB commands report QEMU's texts for "no postcopy in
 * progress", and there is nothing to yank.
 */
import { QmpError } from "../../qapi/error.js";
import type { MachineCommandHandler } from "../machine-context.js";

export const migratePauseCmd: MachineCommandHandler = () => {
  throw new QmpError("GenericError", "migrate-pause is currently only supported during postcopy-active state");
};

export const migrateRecoverCmd: MachineCommandHandler = () => {
  throw new QmpError("GenericError", "Migrate recover can only be run when postcopy is paused.");
};

export const queryYankCmd: MachineCommandHandler = () => [];
