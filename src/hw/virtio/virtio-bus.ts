/** Virtio transports' buses (QEMU's hw/virtio/virtio-bus.c): one backend device per bus. */
import type { TypeInfo, TypeRegistry, ObjectClass } from "../../qom/type.js";
import { BusState, qbusCreate, TYPE_BUS, type BusClass } from "../core/bus.js";
import type { DeviceState } from "../core/qdev.js";

export const TYPE_VIRTIO_BUS = "virtio-bus";
export const TYPE_VIRTIO_PCI_BUS = "virtio-pci-bus";

export class VirtioBusState extends BusState {}

export const virtioBusTypeInfo: TypeInfo<VirtioBusState> = {
  name: TYPE_VIRTIO_BUS,
  parent: TYPE_BUS,
  abstract: true,
  instance: VirtioBusState,
  classInit: (k: ObjectClass) => {
    (k as BusClass).maxDev = 1;
  },
};

export const virtioPciBusTypeInfo: TypeInfo<VirtioBusState> = {
  name: TYPE_VIRTIO_PCI_BUS,
  parent: TYPE_VIRTIO_BUS,
};

/** QEMU's virtio_pci_bus_new: the proxy's bus, always named `virtio-bus`. */
export function virtioPciBusNew(registry: TypeRegistry, proxy: DeviceState): VirtioBusState {
  return qbusCreate<VirtioBusState>(registry, TYPE_VIRTIO_PCI_BUS, proxy, TYPE_VIRTIO_BUS);
}
