/**
 * The two parameter lists of query-command-line-options that are not a
 * plain option group of src/softmmu/option-groups.ts, as QEMU 7.2 reports
 * them (already in QEMU's reported order, i.e. reversed from declaration):
 *
 * - "drive": QEMU merges the descriptors of the block layer's drive option
 *   lists (legacy drive options, the runtime options every block driver
 *   takes, the common drive options and -drive's own), dropping repeats; the
 *   -drive group itself accepts any key.
 * - "machine": the machine options that became machine properties, kept
 *   for clients that look for them here (libvirt checks mem-merge,
 *   kernel_irqchip, loadparm …).  It comes first in the answer.
 */

export interface CommandLineParameterInfo {
  readonly name: string;
  readonly type: "string" | "boolean" | "number" | "size";
  readonly help?: string;
  readonly default?: string;
}

export const DRIVE_PARAMETERS: readonly CommandLineParameterInfo[] = [
  { name: "copy-on-read", type: "boolean", help: "copy read data from backing file into image file" },
  { name: "werror", type: "string", help: "write error action" },
  { name: "rerror", type: "string", help: "read error action" },
  { name: "read-only", type: "boolean", help: "open drive file as read-only" },
  { name: "file", type: "string", help: "file name" },
  { name: "if", type: "string", help: "interface (ide, scsi, sd, mtd, floppy, pflash, virtio)" },
  { name: "media", type: "string", help: "media type (disk, cdrom)" },
  { name: "index", type: "number", help: "index number" },
  { name: "unit", type: "number", help: "unit number (i.e. lun for scsi)" },
  { name: "bus", type: "number", help: "bus number" },
  { name: "stats-account-failed", type: "boolean", help: "whether to account for failed I/O operations in the statistics" },
  { name: "stats-account-invalid", type: "boolean", help: "whether to account for invalid I/O operations in the statistics" },
  { name: "detect-zeroes", type: "string", help: "try to optimize zero writes (off, on, unmap)" },
  { name: "throttling.group", type: "string", help: "name of the block throttling group" },
  { name: "throttling.iops-size", type: "number", help: "when limiting by iops max size of an I/O in bytes" },
  { name: "throttling.bps-write-max-length", type: "number", help: "length of the bps-write-max burst period, in seconds" },
  { name: "throttling.bps-read-max-length", type: "number", help: "length of the bps-read-max burst period, in seconds" },
  { name: "throttling.bps-total-max-length", type: "number", help: "length of the bps-total-max burst period, in seconds" },
  { name: "throttling.iops-write-max-length", type: "number", help: "length of the iops-write-max burst period, in seconds" },
  { name: "throttling.iops-read-max-length", type: "number", help: "length of the iops-read-max burst period, in seconds" },
  { name: "throttling.iops-total-max-length", type: "number", help: "length of the iops-total-max burst period, in seconds" },
  { name: "throttling.bps-write-max", type: "number", help: "total bytes write burst" },
  { name: "throttling.bps-read-max", type: "number", help: "total bytes read burst" },
  { name: "throttling.bps-total-max", type: "number", help: "total bytes burst" },
  { name: "throttling.iops-write-max", type: "number", help: "I/O operations write burst" },
  { name: "throttling.iops-read-max", type: "number", help: "I/O operations read burst" },
  { name: "throttling.iops-total-max", type: "number", help: "I/O operations burst" },
  { name: "throttling.bps-write", type: "number", help: "limit write bytes per second" },
  { name: "throttling.bps-read", type: "number", help: "limit read bytes per second" },
  { name: "throttling.bps-total", type: "number", help: "limit total bytes per second" },
  { name: "throttling.iops-write", type: "number", help: "limit write operations per second" },
  { name: "throttling.iops-read", type: "number", help: "limit read operations per second" },
  { name: "throttling.iops-total", type: "number", help: "limit total I/O operations per second" },
  { name: "werror", type: "string", help: "write error action" },
  { name: "format", type: "string", help: "disk format (raw, qcow2, ...)" },
  { name: "cache.writeback", type: "boolean", help: "Enable writeback mode" },
  { name: "aio", type: "string", help: "host AIO implementation (threads, native, io_uring)" },
  { name: "snapshot", type: "boolean", help: "enable/disable snapshot mode" },
  { name: "force-share", type: "boolean", help: "always accept other writers (default: off)" },
  { name: "discard", type: "string", help: "discard operation (ignore/off, unmap/on)" },
  { name: "auto-read-only", type: "boolean", help: "Node can become read-only if opening read-write fails" },
  { name: "cache.no-flush", type: "boolean", help: "Ignore flush requests" },
  { name: "cache.direct", type: "boolean", help: "Bypass software writeback cache on the host" },
  { name: "driver", type: "string", help: "Block driver to use for the node" },
  { name: "node-name", type: "string", help: "Node name of the block device node" },];

export const LEGACY_MACHINE_PARAMETERS: readonly CommandLineParameterInfo[] = [
  { name: "loadparm", type: "string", help: "Up to 8 chars in set of [A-Za-z0-9. ](lower case chars converted to upper case) to pass to machine loader, boot manager, and guest kernel" },
  { name: "dea-key-wrap", type: "boolean", help: "enable/disable DEA key wrapping using the CPACF wrapping key" },
  { name: "aes-key-wrap", type: "boolean", help: "enable/disable AES key wrapping using the CPACF wrapping key" },
  { name: "suppress-vmdesc", type: "boolean", help: "Set on to disable self-describing migration" },
  { name: "iommu", type: "boolean", help: "Set on/off to enable/disable Intel IOMMU (VT-d)" },
  { name: "firmware", type: "string", help: "firmware image" },
  { name: "usb", type: "boolean", help: "Set on/off to enable/disable usb" },
  { name: "mem-merge", type: "boolean", help: "enable/disable memory merge support" },
  { name: "dump-guest-core", type: "boolean", help: "Include guest memory in  a core dump" },
  { name: "dt_compatible", type: "string", help: "Overrides the \"compatible\" property of the dt root node" },
  { name: "phandle_start", type: "number", help: "The first phandle ID we may generate dynamically" },
  { name: "dumpdtb", type: "string", help: "Dump current dtb to a file and quit" },
  { name: "dtb", type: "string", help: "Linux kernel device tree file" },
  { name: "append", type: "string", help: "Linux kernel command line" },
  { name: "initrd", type: "string", help: "Linux initial ramdisk file" },
  { name: "kernel", type: "string", help: "Linux kernel image file" },
  { name: "kvm_shadow_mem", type: "size", help: "KVM shadow MMU size" },
  { name: "kernel_irqchip", type: "boolean", help: "use KVM in-kernel irqchip" },
  { name: "accel", type: "string", help: "accelerator list" },
  { name: "type", type: "string", help: "emulated machine" },];
