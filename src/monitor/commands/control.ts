/**
 * control.json and introspect.json: the commands every QMP socket answers
 * about itself, and the greeting built from query-version.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { queryCommands as schemaQueryCommands, querySchema } from "../../qapi/introspect.js";
import type { SocketKind } from "../../qapi/qobject-input-visitor.js";
import { schema } from "../../qapi/schema.js";
import { QEMU_PKGVERSION, QEMU_VERSION } from "../../qemu-version.js";

/** QEMU's VersionInfo. */
export function queryVersion(): JsonObject {
  return {
    qemu: { major: QEMU_VERSION.major, minor: QEMU_VERSION.minor, micro: QEMU_VERSION.micro },
    package: QEMU_PKGVERSION,
  };
}

/** The greeting: the version and the capabilities offered (oob, as QEMU's socket and stdio monitors do). */
export function qmpGreeting(): JsonObject {
  return { QMP: { version: queryVersion(), capabilities: ["oob"] } };
}

/** Capabilities a client may enable; QEMU refuses others with this text. */
export const OFFERED_CAPABILITIES: readonly string[] = ["oob"];

/** Commands a session answers itself, whatever its backend. */
export const CONNECTION_COMMANDS: ReadonlySet<string> = new Set(
  Object.entries(schema.commands)
    .filter(([, def]) => def.scope === "connection")
    .map(([name]) => name),
);

export function queryCommandsAnswer(socket: SocketKind, implemented: (command: string) => boolean): JsonObject[] {
  return schemaQueryCommands(socket, (c) => CONNECTION_COMMANDS.has(c) || implemented(c));
}

export function queryQmpSchemaAnswer(socket: SocketKind): readonly JsonObject[] {
  return querySchema(socket);
}
