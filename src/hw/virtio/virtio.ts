/**
 * Virtio devices (QEMU 7.2's hw/virtio/virtio.c): the abstract `virtio-device`, the backend a
 * transport (virtio-pci) carries on its `virtio-bus`, with the feature properties every virtio
 * device has.
 */
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { virtioDeviceProps } from "../pci/device-prop-tables.js";
import { addTableProps } from "../pci/table-props.js";
import { TYPE_VIRTIO_BUS } from "./virtio-bus.js";

export const TYPE_VIRTIO_DEVICE = "virtio-device";

export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;

export interface VirtioDeviceClass extends DeviceClass {
  /** The virtio device id (the PCI subsystem id of the transitional device). */
  deviceId: number;
  /** Bytes of device-specific configuration (sizes the legacy I/O BAR). */
  configLen: number;
  /** The `-pci` proxy's PCI class. */
  pciClassId: number;
  /** How many queues the device uses (for the MSI-X vector count). */
  queues: (dev: VirtIODevice) => number;
}

export class VirtIODevice extends DeviceState {
  readonly tableValues = new Map<string, unknown>();
  bootindex = -1;

  get virtioClass(): VirtioDeviceClass {
    return this.classAs<VirtioDeviceClass>(TYPE_VIRTIO_DEVICE);
  }
}

export const virtioDeviceTypeInfo: TypeInfo<VirtIODevice, VirtioDeviceClass> = {
  name: TYPE_VIRTIO_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: VirtIODevice,
  classInit: (k: ObjectClass) => {
    const vc = k as VirtioDeviceClass;
    vc.busType = TYPE_VIRTIO_BUS;
    vc.configLen = 0;
    vc.queues = () => 1;
    addTableProps(k, virtioDeviceProps);
  },
};
