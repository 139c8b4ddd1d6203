/**
 * Event delivery: callbacks, and listeners that queue events for an async
 * iterator (QEMU's python library has the same EventListener idea).  A
 * listener receives every event from its creation on, so nothing is lost
 * between creating it and iterating; it ends when the client disconnects or
 * when it is closed.
 */
import type { QmpEventMessage } from "./message.js";

type Callback = (event: QmpEventMessage) => void;

export class EventListener<E = QmpEventMessage> implements AsyncIterableIterator<E> {
  private readonly queue: E[] = [];
  private waiters: Array<(r: IteratorResult<E>) => void> = [];
  private ended = false;

  constructor(
    private readonly accepts: (event: QmpEventMessage) => boolean,
    private readonly detach: () => void,
  ) {}

  /** Called by the hub. */
  push(event: QmpEventMessage): void {
    if (this.ended || !this.accepts(event)) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: event as E, done: false });
    else this.queue.push(event as E);
  }

  /** Events received and not yet taken. */
  get pending(): number {
    return this.queue.length;
  }

  /** The next event; undefined once the listener has ended. Rejects with the signal's reason when aborted. */
  async get(signal?: AbortSignal): Promise<E | undefined> {
    const r = await this.nextResult(signal);
    return r.done ? undefined : r.value;
  }

  next(): Promise<IteratorResult<E>> {
    return this.nextResult();
  }

  private nextResult(signal?: AbortSignal): Promise<IteratorResult<E>> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = (r: IteratorResult<E>) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(r);
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  return(): Promise<IteratorResult<E>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops listening; queued events can still be taken, then iteration ends. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }
}

/** The client's event fan-out. */
export class EventHub {
  private readonly callbacks = new Set<Callback>();
  private readonly listeners = new Set<EventListener<unknown>>();

  subscribe(callback: Callback): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  listen<E>(names: readonly string[] | undefined): EventListener<E> {
    const wanted = names === undefined ? undefined : new Set(names);
    const listener: EventListener<E> = new EventListener<E>(
      (ev) => wanted === undefined || wanted.has(ev.event),
      () => this.listeners.delete(listener as EventListener<unknown>),
    );
    this.listeners.add(listener as EventListener<unknown>);
    return listener;
  }

  dispatch(event: QmpEventMessage): void {
    for (const l of this.listeners) l.push(event);
    for (const cb of [...this.callbacks]) {
      try {
        cb(event);
      } catch (err) {
        // A failing callback must not stop delivery to the others or break the reader.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Ends every listener (the connection is gone). */
  endAll(): void {
    for (const l of [...this.listeners]) l.close();
  }
}
