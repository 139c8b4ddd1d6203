/**
 * Can this process use KVM, and if not, why — in QEMU's words (kvm_init in accel/kvm/kvm-all.c):
 * the lines QEMU prints to stderr, then the error `-accel kvm` fails with. Checked in QEMU's
 * order: the device, the API version, the required capabilities; the addon (qomd's own
 * requirement, with no QEMU counterpart) comes after the device.
 */
import { closeSync, openSync } from "node:fs";
import type { KvmAddon, KvmSystemHandle } from "./kvm-addon.js";
import { isKvmSyscallError, KvmAddonMissing, loadKvmAddon } from "./kvm-addon.js";

export const KVM_DEVICE = "/dev/kvm";
/** The only /dev/kvm API version there has ever been. */
export const KVM_API_VERSION = 12;
/** QEMU's text after a missing capability. */
const UPGRADE_NOTE =
  "Please upgrade to at least kernel 2.6.29 or recent kvm-kmod\n(see http://sourceforge.net/projects/kvm).";

export type KvmUnavailable = {
  usable: false;
  /** What is missing, for test skips and logs: the device, the addon, or something KVM lacks. */
  missing: "device" | "addon" | "api-version" | "capability";
  /** One line for people: "/dev/kvm: No such file or directory", "the KVM addon is not built (…)". */
  reason: string;
  /** What QEMU prints before failing (stderr lines). */
  preLines: string[];
  /** QEMU's error: "failed to initialize kvm: <strerror>". */
  error: string;
};
export type KvmAvailability = { usable: true; apiVersion: number } | KvmUnavailable;

/** strerror() texts for the errors opening a device can give (glibc wording, as QEMU prints them). */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENODEV: "No such device",
  ENXIO: "No such device or address",
  EBUSY: "Device or resource busy",
  EINVAL: "Invalid argument",
  ENOSYS: "Function not implemented",
  EROFS: "Read-only file system",
  ENOTTY: "Inappropriate ioctl for device",
};

function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

/** kvm_required_capabilites + kvm_arch_required_capabilities (x86) of QEMU 7.2, then qomd's own. */
const REQUIRED_CAPS = [
  "USER_MEMORY", "DESTROY_MEMORY_REGION_WORKS", "JOIN_MEMORY_REGIONS_WORKS",
  "SET_TSS_ADDR", "EXT_CPUID", "MP_STATE",
  "IMMEDIATE_EXIT", // the kick: without it a kick between exits could be lost
];

/**
 * Checks every requirement; opens and closes /dev/kvm, creates no VM. `load` is the addon loader
 * (replaceable to check the answers for a host without the addon).
 */
export function kvmAvailability(device = KVM_DEVICE, load: () => KvmAddon = loadKvmAddon): KvmAvailability {
  try {
    closeSync(openSync(device, "r+"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    const text = strerror(code);
    return {
      usable: false, missing: "device", reason: `${device}: ${text}`,
      preLines: [`Could not access KVM kernel module: ${text}`], error: `failed to initialize kvm: ${text}`,
    };
  }
  let addon: KvmAddon;
  try {
    addon = load();
  } catch (err) {
    if (!(err instanceof KvmAddonMissing)) throw err;
    return {
      usable: false, missing: "addon", reason: err.message,
      preLines: [`qomd: ${err.message}`], error: "failed to initialize kvm: Function not implemented",
    };
  }
  let kvm: KvmSystemHandle | undefined;
  try {
    kvm = new addon.Kvm(device);
    return checkKvm(addon, kvm);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const text = isKvmSyscallError(err) ? err.description : strerror(e.code ?? "EIO");
    return {
      usable: false, missing: "device", reason: e.message,
      preLines: [`Could not access KVM kernel module: ${text}`], error: `failed to initialize kvm: ${text}`,
    };
  } finally {
    kvm?.close();
  }
}

/** The version and capability checks on an open /dev/kvm. */
export function checkKvm(addon: KvmAddon, kvm: KvmSystemHandle): KvmAvailability {
  let version: number;
  try {
    version = kvm.apiVersion();
  } catch (err) {
    // QEMU: a failing KVM_GET_API_VERSION is "too old", and the ioctl's errno is the error.
    const text = isKvmSyscallError(err) ? err.description : strerror((err as NodeJS.ErrnoException).code ?? "EIO");
    return {
      usable: false, missing: "api-version", reason: `KVM_GET_API_VERSION: ${text}`,
      preLines: ["kvm version too old"], error: `failed to initialize kvm: ${text}`,
    };
  }
  if (version !== KVM_API_VERSION) {
    const line = version < KVM_API_VERSION ? "kvm version too old" : "kvm version not supported";
    return {
      usable: false, missing: "api-version", reason: `${line} (API ${version})`,
      preLines: [line], error: "failed to initialize kvm: Invalid argument",
    };
  }
  for (const cap of REQUIRED_CAPS) {
    const n = addon.constants[`KVM_CAP_${cap}`];
    if (n === undefined || kvm.checkExtension(n) <= 0) {
      return {
        usable: false, missing: "capability", reason: `kvm does not support KVM_CAP_${cap}`,
        preLines: [`kvm does not support KVM_CAP_${cap}`, ...UPGRADE_NOTE.split("\n")],
        error: "failed to initialize kvm: Invalid argument",
      };
    }
  }
  return { usable: true, apiVersion: version };
}

/**
 * query-kvm's `present`: KVM support is part of this build (QEMU: compiled in), i.e. the addon
 * loads, whether or not this host has /dev/kvm.
 */
export function kvmSupportPresent(): boolean {
  try {
    loadKvmAddon();
    return true;
  } catch {
    return false;
  }
}
