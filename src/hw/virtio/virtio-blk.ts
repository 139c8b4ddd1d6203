/** The virtio block backend (QEMU 7.2's hw/block/virtio-blk.c), `virtio-blk-device`. */
import { QomError } from "../../qom/error.js";
import type { TypeInfo } from "../../qom/type.js";
import type { PropertyKind } from "../core/qdev-properties.js";
import { deviceAddBootindexProperty } from "../pci/bootindex.js";
import { virtioBlkDeviceProps } from "../pci/device-prop-tables.js";
import { PCI_CLASS_STORAGE_SCSI } from "../pci/pci-regs.js";
import { driveKind, releaseBackends } from "../pci/qdev-backends.js";
import { addTableProps, tableValue } from "../pci/table-props.js";
import { TYPE_VIRTIO_DEVICE, VIRTIO_ID_BLOCK, VirtIODevice, type VirtioDeviceClass } from "./virtio.js";

export const TYPE_VIRTIO_BLK = "virtio-blk-device";

/** Size of struct virtio_blk_config up to the write-zeroes fields. */
const VIRTIO_BLK_CONFIG_LEN = 60;

function virtioBlkRealize(dev: VirtIODevice): void {
  const drive = tableValue<string>(dev, "drive");
  if (drive === undefined || drive === "") throw new QomError("drive property not set");
  // SCSI passthrough is a legacy-only feature; QEMU 7.2 offers virtio 1.0 by default.
  if (tableValue<boolean>(dev, "scsi")) {
    throw new QomError("Please set scsi=off for virtio-blk devices in order to use virtio 1.0");
  }
  const numQueues = Number(tableValue<number>(dev, "num-queues") ?? 0xffff);
  const queueSize = Number(tableValue<number>(dev, "queue-size") ?? 256);
  if (numQueues === 0) throw new QomError("num-queues property must be larger than 0");
  if (queueSize <= 2) throw new QomError(`invalid queue-size property (${queueSize}), must be > 2`);
  if ((queueSize & (queueSize - 1)) !== 0) {
    throw new QomError(`invalid queue-size property (${queueSize}), must be a power of 2`);
  }
}

export const virtioBlkTypeInfo: TypeInfo<VirtIODevice, VirtioDeviceClass> = {
  name: TYPE_VIRTIO_BLK,
  parent: TYPE_VIRTIO_DEVICE,
  instanceInit: (dev) =>
    deviceAddBootindexProperty(dev, "bootindex", "/disk@0,0", {
      get: () => dev.bootindex,
      set: (v) => (dev.bootindex = v),
    }),
  instanceFinalize: (dev) => releaseBackends(dev),
  classInit: (k) => {
    k.deviceId = VIRTIO_ID_BLOCK;
    k.configLen = VIRTIO_BLK_CONFIG_LEN;
    k.pciClassId = PCI_CLASS_STORAGE_SCSI;
    k.queues = (d) => {
      const n = Number(tableValue<number>(d, "num-queues") ?? 0xffff);
      return n === 0xffff ? 1 : n;
    };
    k.realize = (d) => virtioBlkRealize(d as VirtIODevice);
    k.categories.add("storage");
    addTableProps(k, virtioBlkDeviceProps, { drive: driveKind as PropertyKind<unknown> });
  },
};
