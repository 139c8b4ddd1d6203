/**
 * kvmAvailability: QEMU's texts for a host without the device or without the addon, and the
 * accelerator's init refusing with them. These run on any host.
 */
import { describe, expect, it } from "vitest";
import { KvmAddonMissing } from "../../../src/accel/kvm/kvm-addon.js";
import { kvmAvailability, kvmSupportPresent } from "../../../src/accel/kvm/kvm-available.js";

if (!kvmSupportPresent()) console.warn("test/accel/kvm/kvm-available.test.ts: the KVM addon is not built; its /dev/null case is skipped");

describe("kvmAvailability", () => {
  it("a missing device: QEMU's two lines", () => {
    const a = kvmAvailability("/nonexistent/kvm");
    expect(a).toEqual({
      usable: false,
      missing: "device",
      reason: "/nonexistent/kvm: No such file or directory",
      preLines: ["Could not access KVM kernel module: No such file or directory"],
      error: "failed to initialize kvm: No such file or directory",
    });
  });

  it("without the addon: ENOSYS, with the reason on the line before", () => {
    const a = kvmAvailability("/dev/null", () => {
      throw new KvmAddonMissing("the KVM addon is not built (test)");
    });
    expect(a).toEqual({
      usable: false,
      missing: "addon",
      reason: "the KVM addon is not built (test)",
      preLines: ["qomd: the KVM addon is not built (test)"],
      error: "failed to initialize kvm: Function not implemented",
    });
  });

  it.skipIf(!kvmSupportPresent())("a device that is not KVM: QEMU's 'kvm version too old' with the ioctl's errno", () => {
    expect(kvmAvailability("/dev/null")).toEqual({
      usable: false,
      missing: "api-version",
      reason: "KVM_GET_API_VERSION: Inappropriate ioctl for device",
      preLines: ["kvm version too old"],
      error: "failed to initialize kvm: Inappropriate ioctl for device",
    });
  });

  it("this host: either usable, or a reason naming what is missing", () => {
    const a = kvmAvailability();
    if (a.usable) expect(a.apiVersion).toBe(12);
    else expect(a.reason).toMatch(/\/dev\/kvm|addon|kvm/);
  });
});
