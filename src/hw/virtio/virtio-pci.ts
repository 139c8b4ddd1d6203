/**
 * The virtio PCI transport (QEMU 7.2's hw/virtio/virtio-pci.c): the abstract `virtio-pci`
 * proxy that carries a backend (`virtio-backend`) on its `virtio-bus`, re-exports the
 * backend's properties, and exposes it through a legacy I/O BAR 0, an MSI-X BAR 1 and the
 * modern BAR 4; plus the generic/transitional/non-transitional type triples QEMU registers for
 * each device (`virtio-net-pci`, `virtio-net-pci-transitional`, …).
 */
import { memoryRegionAddSubregion, memoryRegionInit, memoryRegionInitIo } from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { addAlias } from "../../qom/link.js";
import { objectNew } from "../../qom/object.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { qdevRealize } from "../core/qdev-realize.js";
import {
  virtioBlkPciBaseProps,
  virtioBlkPciInstanceProps,
  virtioNetPciBaseProps,
  virtioNetPciInstanceProps,
  virtioPciGenericProps,
  virtioPciProps,
  type PropRow,
} from "../pci/device-prop-tables.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  INTERFACE_PCIE_DEVICE,
  PCIDevice,
  pciRegisterBar,
  pciSetRomRegionPrefix,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { isPcieBus } from "../pci/pci-bus.js";
import {
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_INTERRUPT_PIN,
  PCI_REVISION_ID,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_DEVICE_ID,
  PCI_VENDOR_ID_REDHAT_QUMRANET,
} from "../pci/pci-regs.js";
import { pciSetWord } from "../pci/pci-config.js";
import { addTableProps, tableValue } from "../pci/table-props.js";
import { VirtioBusState, virtioPciBusNew } from "./virtio-bus.js";
import { TYPE_VIRTIO_BLK } from "./virtio-blk.js";
import { TYPE_VIRTIO_NET } from "./virtio-net.js";
import type { VirtIODevice } from "./virtio.js";

export const TYPE_VIRTIO_PCI = "virtio-pci";

/** Legacy header: 20 bytes with MSI-X, then the device's configuration. */
const VIRTIO_PCI_CONFIG_SIZE_MSIX = 20;
const MODERN_BAR_SIZE = 0x4000;
const MSIX_BAR_SIZE = 0x1000;

type Flavour = "generic" | "transitional" | "non-transitional";

interface VirtioPciClass extends PCIDeviceClass {
  /** The backend type this proxy carries. */
  backendType: string;
  flavour: Flavour;
  /** Instance property names in QEMU's insertion order (the backend child, aliases, bootindex). */
  instanceProps: readonly string[];
}

export class VirtIOPCIProxy extends PCIDevice {
  readonly tableValues = new Map<string, unknown>();
  backend!: VirtIODevice;
  vbus: VirtioBusState | undefined;

  get vpciClass(): VirtioPciClass {
    return this.classAs<VirtioPciClass>(TYPE_VIRTIO_PCI);
  }
}

function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * QEMU's virtio_instance_init_common + qdev_alias_all_properties: the backend becomes the
 * `virtio-backend` child and its properties appear on the proxy as aliases.
 */
function virtioPciInstanceInit(proxy: VirtIOPCIProxy): void {
  const k = proxy.vpciClass;
  const backend = objectNew<VirtIODevice>(proxy.registry, k.backendType);
  proxy.backend = backend;
  // In QEMU's insertion order: own properties list in GLib hash order, which depends on it.
  for (const name of k.instanceProps) {
    if (name === "virtio-backend") addChild(proxy, name, backend);
    else addAlias(proxy, name, backend, name);
  }
  backend.unref();
}

/** Whether the legacy interface is on (`disable-legacy=auto` keeps it off PCIe ports only). */
function legacyEnabled(proxy: VirtIOPCIProxy): boolean {
  const k = proxy.vpciClass;
  if (k.flavour === "non-transitional") return false;
  if (k.flavour === "transitional") return true;
  const v = tableValue<string>(proxy, "disable-legacy") ?? "auto";
  if (v === "on") return false;
  if (v === "off") return true;
  return !(isPcieBus(proxy.pciBus) && proxy.express);
}

function virtioPciRealize(dev: PCIDevice): void {
  const proxy = dev as VirtIOPCIProxy;
  const vc = proxy.backend.virtioClass;
  proxy.vbus = virtioPciBusNew(proxy.registry, proxy);
  qdevRealize(proxy.backend, proxy.vbus);

  const legacy = legacyEnabled(proxy);
  const c = proxy.config;
  if (legacy) {
    pciSetWord(c, PCI_DEVICE_ID, 0x1000 + vc.deviceId - 1);
    c[PCI_REVISION_ID] = 0;
  } else {
    pciSetWord(c, PCI_DEVICE_ID, 0x1040 + vc.deviceId);
    c[PCI_REVISION_ID] = 1;
  }
  pciSetWord(c, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_REDHAT_QUMRANET);
  pciSetWord(c, PCI_SUBSYSTEM_ID, vc.deviceId);
  pciSetWord(c, 0x0a, Number(tableValue<number>(proxy, "class") || vc.pciClassId));
  c[PCI_INTERRUPT_PIN] = 1;

  const suffix = proxy.backend.typeName.replace(/-device$/, "");
  // Modern BAR 4: common, ISR, device and notify structures.
  const modern = memoryRegionInit(proxy, "virtio-pci", MODERN_BAR_SIZE);
  const names = ["common", "isr", "device", "notify"];
  names.forEach((n, i) => {
    memoryRegionAddSubregion(modern, i * 0x1000, memoryRegionInitIo(proxy, undefined, proxy, `virtio-pci-${n}-${suffix}`, 0x1000));
  });
  memoryRegionInitIo(proxy, undefined, proxy, `virtio-pci-notify-pio-${suffix}`, 4);

  // MSI-X: one vector per queue plus the configuration vector unless the user chose.
  let vectors = Number(tableValue<number>(proxy, "vectors") ?? 0xffffffff);
  if (vectors === 0xffffffff) vectors = vc.queues(proxy.backend) + 1;
  proxy.tableValues.set("vectors", vectors);
  if (vectors > 0) {
    const msix = memoryRegionInit(proxy, `${proxy.typeName}-msix`, MSIX_BAR_SIZE);
    memoryRegionAddSubregion(msix, 0, memoryRegionInitIo(proxy, undefined, proxy, "msix-table", vectors * 16));
    memoryRegionAddSubregion(msix, 0x800, memoryRegionInitIo(proxy, undefined, proxy, "msix-pba", 8));
    pciRegisterBar(proxy, 1, PCI_BASE_ADDRESS_SPACE_MEMORY, msix);
  }
  if (legacy) {
    const size = pow2ceil(VIRTIO_PCI_CONFIG_SIZE_MSIX + vc.configLen);
    pciRegisterBar(proxy, 0, PCI_BASE_ADDRESS_SPACE_IO, memoryRegionInitIo(proxy, undefined, proxy, "virtio-pci", size));
  }
  pciRegisterBar(proxy, 4, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH | PCI_BASE_ADDRESS_MEM_TYPE_64, modern);
}

function virtioPciExit(dev: PCIDevice): void {
  const proxy = dev as VirtIOPCIProxy;
  if (proxy.backend.realized) proxy.backend.setRealized(false);
}

function virtioPciClassInit(k: ObjectClass): void {
  const pc = k as VirtioPciClass;
  pc.pciRealize = virtioPciRealize;
  pc.exit = virtioPciExit;
  pc.vendorId = PCI_VENDOR_ID_REDHAT_QUMRANET;
  pc.revision = 0;
  addTableProps(k, virtioPciProps);
}

export const virtioPciTypeInfo: TypeInfo<VirtIOPCIProxy> = {
  name: TYPE_VIRTIO_PCI,
  parent: TYPE_PCI_DEVICE,
  abstract: true,
  instance: VirtIOPCIProxy,
  classInit: virtioPciClassInit,
};

interface VirtioPciDeviceSpec {
  base: string;
  generic: string;
  backendType: string;
  baseProps: readonly PropRow[];
  instanceProps: readonly string[];
  romfile?: string;
  category: "network" | "storage";
  desc?: string;
}

/** QEMU's virtio_pci_types_register: the abstract base and its three concrete flavours. */
function virtioPciTypes(spec: VirtioPciDeviceSpec): TypeInfo<VirtIOPCIProxy, VirtioPciClass>[] {
  const flavourType = (name: string, flavour: Flavour, interfaces: string[]): TypeInfo<VirtIOPCIProxy, VirtioPciClass> => ({
    name,
    parent: spec.base,
    interfaces,
    classInit: (k) => {
      k.flavour = flavour;
      if (flavour === "generic") addTableProps(k, virtioPciGenericProps);
    },
  });
  return [
    {
      name: spec.base,
      parent: TYPE_VIRTIO_PCI,
      abstract: true,
      instanceInit: virtioPciInstanceInit,
      classInit: (k) => {
        k.backendType = spec.backendType;
        k.instanceProps = spec.instanceProps;
        k.flavour = "generic";
        if (spec.romfile !== undefined) k.romfile = spec.romfile;
        if (spec.desc !== undefined) k.desc = spec.desc;
        k.categories.add(spec.category);
        addTableProps(k, spec.baseProps);
      },
    },
    flavourType(spec.generic, "generic", [INTERFACE_PCIE_DEVICE, INTERFACE_CONVENTIONAL_PCI_DEVICE]),
    flavourType(`${spec.generic}-transitional`, "transitional", [INTERFACE_CONVENTIONAL_PCI_DEVICE]),
    flavourType(`${spec.generic}-non-transitional`, "non-transitional", [INTERFACE_PCIE_DEVICE, INTERFACE_CONVENTIONAL_PCI_DEVICE]),
  ];
}

export function registerVirtioPciTypes(types: TypeRegistry): void {
  types.register(virtioPciTypeInfo);
  for (const info of virtioPciTypes({
    base: "virtio-net-pci-base",
    generic: "virtio-net-pci",
    backendType: TYPE_VIRTIO_NET,
    baseProps: virtioNetPciBaseProps,
    instanceProps: virtioNetPciInstanceProps,
    romfile: "efi-virtio.rom",
    category: "network",
  })) {
    types.register(info);
  }
  for (const info of virtioPciTypes({
    base: "virtio-blk-pci-base",
    generic: "virtio-blk-pci",
    backendType: TYPE_VIRTIO_BLK,
    baseProps: virtioBlkPciBaseProps,
    instanceProps: virtioBlkPciInstanceProps,
    category: "storage",
  })) {
    types.register(info);
  }
  for (const t of ["virtio-net-pci", "virtio-net-pci-transitional", "virtio-net-pci-non-transitional"]) {
    pciSetRomRegionPrefix(t, t);
  }
}
