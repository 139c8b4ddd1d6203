/**
 * The QEMU version qomd claims to be. Everything a client can see (the QMP greeting,
 * query-version, `-version`, the `-h` banner) takes its numbers from here, so they always agree.
 * The values are those of the reference binary, qemu-system-x86_64 7.2.22 as packaged by Debian.
 */
export interface QemuVersion {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
}

export const QEMU_VERSION: QemuVersion = { major: 7, minor: 2, micro: 22 };

/** The `package` member of query-version (QEMU's PKGVERSION). */
export const QEMU_PKGVERSION = "Debian 1:7.2+dfsg-7+deb12u18+b3";

/** "7.2.22 (Debian …)": QEMU_FULL_VERSION, the version plus the package in parentheses. */
export function qemuFullVersion(): string {
  const v = QEMU_VERSION;
  const base = `${v.major}.${v.minor}.${v.micro}`;
  return QEMU_PKGVERSION ? `${base} (${QEMU_PKGVERSION})` : base;
}

export const QEMU_COPYRIGHT = "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers";

/** What `-version` prints on stdout (and the first two lines of `-h`). */
export function versionText(): string {
  return `QEMU emulator version ${qemuFullVersion()}\n${QEMU_COPYRIGHT}\n`;
}
