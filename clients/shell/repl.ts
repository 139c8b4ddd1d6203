/**
 * The terminal side of qomd-shell, on Node's readline.
 *
 * Interactive (stdin is a terminal): banner, prompt, completion, history,
 * events printed above the prompt as they arrive, Ctrl-C cancels the line
 * (or the wait for a reply), Ctrl-D exits.  Piped: the lines run in order,
 * replies and events go to stdout, no banner or prompt.
 *
 * Exit status: 0; 1 when the connection failed or was lost (unless after a
 * successful quit), or, with --strict, when any command failed.
 */
import { createInterface, cursorTo, clearLine, type Interface } from "node:readline";
import { resolveTarget } from "../cli/target.js";
import { ExecInterruptedError } from "../lib/errors.js";
import { HISTORY_SIZE, historyPath, loadHistory, saveHistory } from "./history.js";
import type { ShellOptions } from "./options.js";
import { ShellSession } from "./session.js";

export interface ShellStreams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

const RECONNECT_ATTEMPTS = 60;
const RECONNECT_DELAY_MS = 1000;

export async function runShell(options: ShellOptions, streams: ShellStreams): Promise<number> {
  const { stdin, stdout, stderr } = streams;
  const target = resolveTarget(options.target, streams.env);
  const interactive = stdin.isTTY === true;
  const session = new ShellSession(options, target, { out: (t) => stdout.write(t), err: (t) => stderr.write(t) });
  const complain = (text: string) => stderr.write(`qomd-shell: ${text}\n`);

  try {
    await session.connect();
  } catch (err) {
    complain((err as Error).message);
    await session.client.disconnect();
    return 1;
  }
  if (interactive) stdout.write(session.banner());

  const histFile = historyPath(streams.env);
  const rl: Interface = createInterface({
    input: stdin,
    output: interactive ? stdout : undefined,
    terminal: interactive,
    prompt: session.prompt(),
    history: interactive ? loadHistory(histFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: interactive ? (line: string) => session.complete(line) : undefined,
  });
  if (interactive) rl.on("history", (h: string[]) => saveHistory(histFile, h));

  const queue: string[] = [];
  let busy = false;
  let eof = false;
  let reconnecting = false;
  let finished = false;
  let failures = 0;
  let running: AbortController | undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));

  const showPrompt = () => {
    if (!interactive || finished || busy || reconnecting) return;
    rl.setPrompt(session.prompt());
    rl.prompt(true);
  };

  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    running?.abort();
    rl.close();
    void session.client.disconnect().then(() => resolveExit(code));
  };

  const pump = async () => {
    if (busy || reconnecting || finished) return;
    busy = true;
    while (queue.length > 0 && !finished && !reconnecting) {
      const line = queue.shift()!;
      running = new AbortController();
      let ok: boolean;
      try {
        ok = await session.run(line, running.signal);
      } catch (err) {
        ok = false;
        if (running.signal.aborted) complain("cancelled; a late reply will be dropped");
        else if (!(err instanceof ExecInterruptedError) || !session.quitSent) complain((err as Error).message);
      }
      running = undefined;
      if (!ok) failures++;
    }
    busy = false;
    if (eof && queue.length === 0 && !reconnecting) finish(options.strict && failures > 0 ? 1 : 0);
    else showPrompt();
  };

  session.onEvent((event) => {
    const text = session.formatEvent(event) + "\n";
    if (interactive && !busy && !reconnecting && !finished) {
      // Put the event where the prompt is, then draw the prompt and the typed text again below it.
      clearLine(stdout, 0);
      cursorTo(stdout, 0);
      stdout.write(text);
      rl.prompt(true);
    } else {
      stdout.write(text);
    }
  });

  const reconnect = async () => {
    for (let attempt = 0; attempt < RECONNECT_ATTEMPTS && !finished; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
      try {
        await session.connect();
        return true;
      } catch {
        // Not back yet.
      }
    }
    return false;
  };

  session.client.onDisconnect((error) => {
    if (error === undefined || finished) return;
    if (interactive && !busy) stdout.write("\n");
    if (session.quitSent) {
      complain(`${session.peer} closed the connection after quit`);
      finish(options.strict && failures > 0 ? 1 : 0);
      return;
    }
    complain(error.message);
    if (!options.reconnect) {
      finish(1);
      return;
    }
    reconnecting = true;
    complain(`reconnecting to ${session.peer} …`);
    void reconnect().then((ok) => {
      reconnecting = false;
      if (!ok) {
        complain(`could not reconnect to ${session.peer}`);
        finish(1);
        return;
      }
      complain(`reconnected to ${session.peer}`);
      void pump();
    });
  });

  rl.on("line", (line) => {
    queue.push(line);
    void pump();
  });
  rl.on("SIGINT", () => {
    if (running) {
      running.abort();
      return;
    }
    // Cancel the line: leave it visible with ^C, start afresh below.
    stdout.write("^C\n");
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    showPrompt();
  });
  rl.on("close", () => {
    if (finished) return;
    if (interactive) stdout.write("\n");
    eof = true;
    void pump();
  });

  showPrompt();
  return exited;
}
