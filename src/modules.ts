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
import { registerAccelTypes } from "./accel/accel.js";
import { registerUiTypes } from "./ui/console.js";
import { registerX86MachineTypes } from "./hw/i386/types.js";
import { registerChardevTypes } from "./chardev/types.js";
import { registerExecTypes } from "./exec/types.js";
import { registerBackendsTypes } from "./backends/types.js";
import { registerIsaTypes } from "./hw/isa/isa-bus.js";
import { registerIntcTypes } from "./hw/intc/types.js";
import { registerTimerTypes } from "./hw/timer/types.js";
import { registerKvmI386Types } from "./hw/i386/kvm/kvm-irqchip.js";
import { registerRtcTypes } from "./hw/rtc/types.js";
import { registerAudioTypes } from "./hw/audio/types.js";
import { registerDmaTypes } from "./hw/dma/types.js";
import { registerFdcTypes } from "./hw/block/fdc.js";
import { registerInputTypes } from "./hw/input/types.js";
import { registerI386IsaDeviceTypes } from "./hw/i386/isa-device-types.js";
import { registerNvramTypes } from "./hw/nvram/types.js";
import { registerCharTypes } from "./hw/char/types.js";
import { registerMiscTypes } from "./hw/misc/types.js";
import { registerX86CpuTypes } from "./target/i386/cpu.js";
import { registerPciTypes } from "./hw/pci/types.js";
import { registerPciHostTypes } from "./hw/pci-host/types.js";
import { registerPciIsaBridgeTypes } from "./hw/isa/pci-isa-bridges.js";
import { registerIdeTypes } from "./hw/ide/types.js";
import { registerI2cTypes } from "./hw/i2c/types.js";
import { registerAcpiTypes } from "./hw/acpi/types.js";
import { registerNetTypes } from "./hw/net/types.js";
import { registerVirtioTypes } from "./hw/virtio/types.js";
import { registerDisplayTypes } from "./hw/display/types.js";

export interface ModuleContext {
  readonly types: TypeRegistry;
}

/** Queues every module's initializer. Nothing is registered until callInit runs them. */
export function queueModules(modules: ModuleInit<ModuleContext>): void {
  modules.register("qom", (ctx) => registerQomBaseTypes(ctx.types));
  modules.register("qom", (ctx) => registerHwCoreTypes(ctx.types));
  modules.register("qom", (ctx) => registerAccelTypes(ctx.types));
  modules.register("qom", (ctx) => registerUiTypes(ctx.types));
  modules.register("qom", (ctx) => registerX86MachineTypes(ctx.types));
  modules.register("qom", (ctx) => registerChardevTypes(ctx.types));
  modules.register("qom", (ctx) => registerExecTypes(ctx.types));
  modules.register("qom", (ctx) => registerBackendsTypes(ctx.types));
  modules.register("qom", (ctx) => registerIsaTypes(ctx.types));
  modules.register("qom", (ctx) => registerIntcTypes(ctx.types));
  modules.register("qom", (ctx) => registerTimerTypes(ctx.types));
  modules.register("qom", (ctx) => registerKvmI386Types(ctx.types));
  modules.register("qom", (ctx) => registerRtcTypes(ctx.types));
  modules.register("qom", (ctx) => registerAudioTypes(ctx.types));
  modules.register("qom", (ctx) => registerDmaTypes(ctx.types));
  modules.register("qom", (ctx) => registerFdcTypes(ctx.types));
  modules.register("qom", (ctx) => registerInputTypes(ctx.types));
  modules.register("qom", (ctx) => registerI386IsaDeviceTypes(ctx.types));
  modules.register("qom", (ctx) => registerNvramTypes(ctx.types));
  modules.register("qom", (ctx) => registerCharTypes(ctx.types));
  modules.register("qom", (ctx) => registerMiscTypes(ctx.types));
  modules.register("qom", (ctx) => registerX86CpuTypes(ctx.types));
  modules.register("qom", (ctx) => registerPciTypes(ctx.types));
  modules.register("qom", (ctx) => registerPciHostTypes(ctx.types));
  modules.register("qom", (ctx) => registerPciIsaBridgeTypes(ctx.types));
  modules.register("qom", (ctx) => registerIdeTypes(ctx.types));
  modules.register("qom", (ctx) => registerI2cTypes(ctx.types));
  modules.register("qom", (ctx) => registerAcpiTypes(ctx.types));
  modules.register("qom", (ctx) => registerNetTypes(ctx.types));
  modules.register("qom", (ctx) => registerVirtioTypes(ctx.types));
  modules.register("qom", (ctx) => registerDisplayTypes(ctx.types));
}

/** A fresh type registry with every module's types registered (none initialised yet). */
export function qomInit(): ModuleContext {
  const modules = new ModuleInit<ModuleContext>();
  queueModules(modules);
  const ctx: ModuleContext = { types: new TypeRegistry() };
  modules.callInit("qom", ctx);
  return ctx;
}
