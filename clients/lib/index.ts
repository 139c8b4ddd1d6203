/**
 * qomd's client library: QMP over a Unix socket or a WebSocket (QmpClient)
 * and JSON-RPC 2.0 over qomd's /jsonrpc endpoint (JsonRpcQmpClient), typed
 * from protocol/gen.  It talks to qomd and to a real QEMU alike.
 *
 *   const qmp = await QmpClient.open("/run/qomd/machines/vm1.qmp");
 *   const status = await qmp.execute("query-status");        // StatusInfo
 *   for await (const ev of qmp.listen(["STOP"])) …           // typed events
 */
export { QmpClient, type QmpClientOptions, type RawExecuteOptions } from "./qmp-client.js";
export { JsonRpcQmpClient, type JsonRpcClientOptions } from "./jsonrpc-client.js";
export { QmpProtocol, type ConnectOptions, type Runstate } from "./protocol.js";
export { EventListener } from "./events.js";
export type { QmpEventMessage, QmpGreeting, QmpTimestamp } from "./message.js";
export type { CommandArgs, CommandName, CommandReturn, CommandTable, ExecuteOptions, ExecuteParams } from "./command-types.js";
export {
  BadReplyError,
  ConnectError,
  ExecInterruptedError,
  ExecTimeoutError,
  ExecuteError,
  GreetingError,
  NegotiationError,
  ProtocolError,
  QmpClientError,
  QmpError,
  StateError,
} from "./errors.js";
export { controlSocketPath, defaultRuntimeDir, isWebSocketUrl, readToken, type QmpAddress } from "./address.js";
export type { QmpCommands, QmpControlCommands, QmpEvents } from "../../protocol/gen/types.js";

import type { QmpControlCommands } from "../../protocol/gen/types.js";
import type { QmpClient } from "./qmp-client.js";
/** A client of the daemon's control socket (per-machine commands take 'machine'). */
export type QmpControlClient = QmpClient<QmpControlCommands>;
