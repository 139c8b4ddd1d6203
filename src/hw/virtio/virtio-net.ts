/** The virtio network backend (QEMU 7.2's hw/net/virtio-net.c), `virtio-net-device`. */
import { QomError } from "../../qom/error.js";
import type { TypeInfo } from "../../qom/type.js";
import type { PropertyKind } from "../core/qdev-properties.js";
import { deviceAddBootindexProperty } from "../pci/bootindex.js";
import { virtioNetDeviceProps } from "../pci/device-prop-tables.js";
import { PCI_CLASS_NETWORK_ETHERNET } from "../pci/pci-regs.js";
import { macaddrDefaultIfUnset, macKind, netdevKind, releaseBackends, ZERO_MAC, type MacAddr } from "../pci/qdev-backends.js";
import { addTableProps, tableValue } from "../pci/table-props.js";
import { TYPE_VIRTIO_DEVICE, VIRTIO_ID_NET, VirtIODevice, type VirtioDeviceClass } from "./virtio.js";

export const TYPE_VIRTIO_NET = "virtio-net-device";

/** Bytes of struct virtio_net_config offered by default: mac, status, max queue pairs. */
const VIRTIO_NET_CONFIG_LEN = 10;

function virtioNetRealize(dev: VirtIODevice): void {
  const duplex = tableValue<string>(dev, "duplex");
  if (duplex !== undefined && duplex !== "half" && duplex !== "full") {
    throw new QomError("'duplex' must be 'half' or 'full'");
  }
  const speed = Number(tableValue<number>(dev, "speed") ?? -1);
  if (speed < -1) throw new QomError("'speed' must be between 0 and INT_MAX");
  const mac = tableValue<MacAddr>(dev, "mac") ?? ZERO_MAC;
  dev.tableValues.set("mac", macaddrDefaultIfUnset(dev.registry, mac));
}

export const virtioNetTypeInfo: TypeInfo<VirtIODevice, VirtioDeviceClass> = {
  name: TYPE_VIRTIO_NET,
  parent: TYPE_VIRTIO_DEVICE,
  instanceInit: (dev) =>
    deviceAddBootindexProperty(dev, "bootindex", "/ethernet-phy@0", {
      get: () => dev.bootindex,
      set: (v) => (dev.bootindex = v),
    }),
  instanceFinalize: (dev) => releaseBackends(dev),
  classInit: (k) => {
    k.deviceId = VIRTIO_ID_NET;
    k.configLen = VIRTIO_NET_CONFIG_LEN;
    k.pciClassId = PCI_CLASS_NETWORK_ETHERNET;
    // One rx/tx pair and the control queue.
    k.queues = () => 3;
    k.realize = (d) => virtioNetRealize(d as VirtIODevice);
    k.categories.add("network");
    addTableProps(k, virtioNetDeviceProps, {
      mac: macKind as PropertyKind<unknown>,
      netdev: netdevKind as PropertyKind<unknown>,
    });
  },
};
