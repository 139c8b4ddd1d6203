/**
 * Module initialisation, after QEMU's util/module.c.
 *
 * A source file that defines types does not register them when it is imported. Instead the
 * explicit module list (src/modules.ts) queues each file's initializer under a module kind with
 * `register()` (QEMU's `type_init`/`opts_init`), and `callInit(kind)` runs the queue once, in
 * registration order (QEMU's `module_call_init`). Reading the module list tells you exactly what
 * is registered and in which order.
 */
import { QomBug } from "./error.js";

export type ModuleInitKind = "migration" | "block" | "opts" | "qom" | "trace";

export class ModuleInit<Ctx> {
  private readonly queues = new Map<ModuleInitKind, Array<(ctx: Ctx) => void>>();
  private readonly done = new Set<ModuleInitKind>();

  register(kind: ModuleInitKind, init: (ctx: Ctx) => void): void {
    if (this.done.has(kind)) {
      // QEMU only allows this for dynamically loaded modules; qomd has none.
      throw new QomBug(`module kind '${kind}' was already initialised`);
    }
    let queue = this.queues.get(kind);
    if (!queue) this.queues.set(kind, (queue = []));
    queue.push(init);
  }

  /** Runs every initializer queued under `kind` once, in registration order. */
  callInit(kind: ModuleInitKind, ctx: Ctx): void {
    if (this.done.has(kind)) return;
    this.done.add(kind);
    for (const init of this.queues.get(kind) ?? []) init(ctx);
  }

  isInitDone(kind: ModuleInitKind): boolean {
    return this.done.has(kind);
  }
}
