/**
 * Compile-time typing of execute(): a command table maps each command name
 * to its arguments and return value (protocol/gen/types.ts has QmpCommands
 * for a machine socket or QEMU, QmpControlCommands for the daemon's control
 * socket).  Arguments may be left out when every member is optional.
 */
export type CommandTable<T> = { [K in keyof T]: { args: unknown; ret: unknown } };

export interface ExecuteOptions {
  /** Milliseconds to wait for the reply; ExecTimeoutError after that. */
  timeout?: number;
  /** Cancels the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Send as "exec-oob" (the server must have enabled oob). */
  oob?: boolean;
}

export type CommandName<T> = keyof T & string;
export type CommandArgs<T extends CommandTable<T>, K extends keyof T> = T[K]["args"];
export type CommandReturn<T extends CommandTable<T>, K extends keyof T> = T[K]["ret"];

/** The parameters after the command name: args optional when {} is a valid argument object. */
export type ExecuteParams<A> = {} extends A ? [args?: A, options?: ExecuteOptions] : [args: A, options?: ExecuteOptions];
