/**
 * Property tables of the PCI family's devices, as QEMU 7.2's device-list-properties reports
 * them (name, type, default, description), each class's own properties in display order.
 * Facts taken from the captures; `tableProps` turns a table into qdev property declarations.
 */

/** [name, type, default (absent: none), description (absent: none)] */
export type PropRow = readonly [string, string, unknown, string | null];

export const virtioDeviceProps: readonly PropRow[] = [
  ["queue_reset", "bool", true, "on/off"],
  ["use-disabled-flag", "bool", true, null],
  ["packed", "bool", false, "on/off"],
  ["iommu_platform", "bool", false, "on/off"],
  ["event_idx", "bool", true, "on/off"],
  ["x-disable-legacy-check", "bool", false, null],
  ["notify_on_empty", "bool", true, "on/off"],
  ["any_layout", "bool", true, "on/off"],
  ["use-started", "bool", true, null],
];

export const virtioNetDeviceProps: readonly PropRow[] = [
  ["indirect_desc", "bool", true, "on/off"],
  ["mac", "str", null, "Ethernet 6-byte MAC Address, example: 52:54:00:12:34:56"],
  ["gso", "bool", true, "on/off"],
  ["x-txtimer", "uint32", 150000, null],
  ["mq", "bool", false, "on/off"],
  ["mrg_rxbuf", "bool", true, "on/off"],
  ["x-txburst", "int32", 256, null],
  ["host_mtu", "uint16", 0, null],
  ["tx", "str", null, null],
  ["rss", "bool", false, "on/off"],
  ["status", "bool", true, "on/off"],
  ["failover", "bool", false, null],
  ["ctrl_mac_addr", "bool", true, "on/off"],
  ["tx_queue_size", "uint16", 256, null],
  ["guest_tso4", "bool", true, "on/off"],
  ["hash", "bool", false, "on/off"],
  ["host_tso6", "bool", true, "on/off"],
  ["ctrl_guest_offloads", "bool", true, "on/off"],
  ["guest_ufo", "bool", true, "on/off"],
  ["ctrl_vq", "bool", true, "on/off"],
  ["guest_ecn", "bool", true, "on/off"],
  ["host_ufo", "bool", true, "on/off"],
  ["host_ecn", "bool", true, "on/off"],
  ["guest_rsc_ext", "bool", false, "on/off"],
  ["duplex", "str", null, null],
  ["rsc_interval", "uint32", 300000, null],
  ["guest_announce", "bool", true, "on/off"],
  ["netdev", "str", null, "ID of a netdev to use as a backend"],
  ["host_tso4", "bool", true, "on/off"],
  ["x-mtu-bypass-backend", "bool", true, null],
  ["ctrl_rx_extra", "bool", true, "on/off"],
  ["guest_csum", "bool", true, "on/off"],
  ["rx_queue_size", "uint16", 256, null],
  ["ctrl_vlan", "bool", true, "on/off"],
  ["guest_tso6", "bool", true, "on/off"],
  ["speed", "int32", -1, null],
  ["csum", "bool", true, "on/off"],
  ["ctrl_rx", "bool", true, "on/off"],
];

export const virtioBlkDeviceProps: readonly PropRow[] = [
  ["indirect_desc", "bool", true, "on/off"],
  ["share-rw", "bool", false, null],
  ["lcyls", "uint32", 0, null],
  ["queue-size", "uint16", 256, null],
  ["lsecs", "uint32", 0, null],
  ["serial", "str", null, null],
  ["account-invalid", "OnOffAuto", "auto", "on/off/auto"],
  ["iothread", "link<iothread>", null, null],
  ["lheads", "uint32", 0, null],
  ["num-queues", "uint16", 65535, null],
  ["cyls", "uint32", 0, null],
  ["secs", "uint32", 0, null],
  ["heads", "uint32", 0, null],
  ["min_io_size", "size", 0, null],
  ["config-wce", "bool", true, "on/off"],
  ["seg-max-adjust", "bool", true, null],
  ["drive", "str", null, "Node name or ID of a block device to use as a backend"],
  ["werror", "BlockdevOnError", "auto", "Error handling policy, report/ignore/enospc/stop/auto"],
  ["report-discard-granularity", "bool", true, null],
  ["rerror", "BlockdevOnError", "auto", "Error handling policy, report/ignore/enospc/stop/auto"],
  ["write-cache", "OnOffAuto", "auto", "on/off/auto"],
  ["physical_block_size", "size", 0, "A power of two between 512 B and 2 MiB"],
  ["scsi", "bool", false, "on/off"],
  ["opt_io_size", "size", 0, null],
  ["logical_block_size", "size", 0, "A power of two between 512 B and 2 MiB"],
  ["max-discard-sectors", "uint32", 4194303, null],
  ["discard", "bool", true, "on/off"],
  ["discard_granularity", "size", 4294967295, null],
  ["request-merging", "bool", true, "on/off"],
  ["write-zeroes", "bool", true, "on/off"],
  ["max-write-zeroes-sectors", "uint32", 4194303, null],
  ["account-failed", "OnOffAuto", "auto", "on/off/auto"],
  ["x-enable-wce-if-config-wce", "bool", true, null],
  ["backend_defaults", "OnOffAuto", "auto", "on/off/auto"],
];

export const virtioPciProps: readonly PropRow[] = [
  ["migrate-extra", "bool", true, "on/off"],
  ["ats", "bool", false, "on/off"],
  ["x-ignore-backend-features", "bool", false, null],
  ["x-pcie-pm-init", "bool", true, "on/off"],
  ["aer", "bool", false, "on/off"],
  ["x-pcie-flr-init", "bool", true, "on/off"],
  ["x-pcie-lnkctl-init", "bool", true, "on/off"],
  ["x-ats-page-aligned", "bool", true, "on/off"],
  ["page-per-vq", "bool", false, "on/off"],
  ["x-pcie-deverr-init", "bool", true, "on/off"],
  ["virtio-pci-bus-master-bug-migration", "bool", false, "on/off"],
  ["modern-pio-notify", "bool", false, "on/off"],
  ["x-disable-pcie", "bool", false, "on/off"],
];

export const virtioNetPciBaseProps: readonly PropRow[] = [
  ["vectors", "uint32", 4294967295, null],
  ["ioeventfd", "bool", true, "on/off"],
];

export const virtioBlkPciBaseProps: readonly PropRow[] = [
  ["vectors", "uint32", 4294967295, null],
  ["ioeventfd", "bool", true, "on/off"],
  ["class", "uint32", 0, null],
];

export const virtioPciGenericProps: readonly PropRow[] = [
  ["disable-legacy", "OnOffAuto", "auto", "on/off/auto"],
  ["disable-modern", "bool", false, null],
];

export const e1000BaseProps: readonly PropRow[] = [
  ["init-vet", "bool", true, "on/off"],
  ["mitigation", "bool", true, "on/off"],
  ["netdev", "str", null, "ID of a netdev to use as a backend"],
  ["autonegotiation", "bool", true, "on/off"],
  ["extra_mac_registers", "bool", true, "on/off"],
  ["migrate_tso_props", "bool", true, "on/off"],
  ["mac", "str", null, "Ethernet 6-byte MAC Address, example: 52:54:00:12:34:56"],
];

export const pciVgaProps: readonly PropRow[] = [
  ["refresh_rate", "uint32", 0, null],
  ["global-vmstate", "bool", false, null],
  ["big-endian-framebuffer", "bool", null, null],
  ["vgamem_mb", "uint32", 16, null],
  ["qemu-extended-regs", "bool", true, "on/off"],
  ["mmio", "bool", true, "on/off"],
  ["ymax", "uint32", 0, null],
  ["yres", "uint32", 0, null],
  ["xmax", "uint32", 0, null],
  ["edid", "bool", true, "on/off"],
  ["xres", "uint32", 0, null],
];

export const cirrusVgaProps: readonly PropRow[] = [
  ["global-vmstate", "bool", false, null],
  ["blitter", "bool", true, null],
  ["vgamem_mb", "uint32", 4, null],
];

/**
 * The instance properties (the backend child, aliases of its properties, bootindex) in the order
 * QEMU 7.2 adds them (test/fixtures/qemu-7.2/instance-property-insertion-orders.json).
 */
export const virtioNetPciInstanceProps: readonly string[] = ["virtio-backend", "csum", "guest_csum", "gso", "guest_tso4", "guest_tso6", "guest_ecn", "guest_ufo", "guest_announce", "host_tso4", "host_tso6", "host_ecn", "host_ufo", "mrg_rxbuf", "status", "ctrl_vq", "ctrl_rx", "ctrl_vlan", "ctrl_rx_extra", "ctrl_mac_addr", "ctrl_guest_offloads", "mq", "rss", "hash", "guest_rsc_ext", "rsc_interval", "mac", "netdev", "x-txtimer", "x-txburst", "tx", "rx_queue_size", "tx_queue_size", "host_mtu", "x-mtu-bypass-backend", "speed", "duplex", "failover", "indirect_desc", "event_idx", "notify_on_empty", "any_layout", "iommu_platform", "packed", "queue_reset", "use-started", "use-disabled-flag", "x-disable-legacy-check", "bootindex"];

export const virtioBlkPciInstanceProps: readonly string[] = ["virtio-backend", "drive", "backend_defaults", "logical_block_size", "physical_block_size", "min_io_size", "opt_io_size", "discard_granularity", "write-cache", "share-rw", "account-invalid", "account-failed", "rerror", "werror", "cyls", "heads", "secs", "lcyls", "lheads", "lsecs", "serial", "config-wce", "scsi", "request-merging", "num-queues", "queue-size", "seg-max-adjust", "iothread", "discard", "report-discard-granularity", "write-zeroes", "max-discard-sectors", "max-write-zeroes-sectors", "x-enable-wce-if-config-wce", "indirect_desc", "event_idx", "notify_on_empty", "any_layout", "iommu_platform", "packed", "queue_reset", "use-started", "use-disabled-flag", "x-disable-legacy-check", "bootindex"];
