/**
 * The module list: every source file that defines QOM types or option groups has its
 * initializer queued here, in this order (QEMU's type_init / opts_init lines, gathered in one
 * place so the order is visible). `qomInit()` then runs the queues, as QEMU's qemu_init runs
 * module_call_init(MODULE_INIT_QOM).
 */
import { ModuleInit } from "./qom/module.js";
import { TypeRegistry } from "./qom/type.js";
import { registerQomBaseTypes } from "./qom/types.js";
import { registerHwCoreTypes } from "./hw/core/types.js";
import { registerExecTypes } from "./exec/types.js";

export interface ModuleContext {
  readonly types: TypeRegistry;
}

/** Queues every module's initializer. Nothing is registered until callInit runs them. */
export function queueModules(modules: ModuleInit<ModuleContext>): void {
  modules.register("qom", (ctx) => registerQomBaseTypes(ctx.types));
  modules.register("qom", (ctx) => registerHwCoreTypes(ctx.types));
  modules.register("qom", (ctx) => registerExecTypes(ctx.types));
}

/** A fresh type registry with every module's types registered (none initialised yet). */
export function qomInit(): ModuleContext {
  const modules = new ModuleInit<ModuleContext>();
  queueModules(modules);
  const ctx: ModuleContext = { types: new TypeRegistry() };
  modules.callInit("qom", ctx);
  return ctx;
}
