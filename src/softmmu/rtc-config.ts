/**
 * -rtc base=...,clock=...,driftfix=... as QEMU checks it when it configures the RTC
 * (softmmu/rtc.c configure_rtc). QEMU does this after the option loop, so its errors carry no
 * option location.
 */
import { QemuError } from "../util/error.js";
import type { QemuOpts } from "../util/qemu-option.js";

export interface RtcConfig {
  /** "utc" (the default), "localtime", or a fixed start time in seconds since the epoch (UTC). */
  base: "utc" | "localtime" | { startSeconds: number };
  clock: "host" | "rt" | "vm";
  driftfix: "none" | "slew";
}

/** mktimegm(): days-from-civil arithmetic on possibly out-of-range fields, like QEMU's. */
function mktimegm(year: number, mon: number, mday: number, hour: number, min: number, sec: number): number {
  let y = year;
  let m = mon;
  if (m < 3) {
    m += 12;
    y--;
  }
  const days = mday + Math.trunc((153 * m - 457) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 719469;
  return 86400 * days + 3600 * hour + 60 * min + sec;
}

const INT = String.raw`\s*([+-]?\d+)`;
const DATETIME_RE = new RegExp(`^${INT}-${INT}-${INT}T${INT}:${INT}:${INT}`);
const DATE_RE = new RegExp(`^${INT}-${INT}-${INT}`);

function parseDatetime(s: string): number {
  const m = DATETIME_RE.exec(s) ?? DATE_RE.exec(s);
  const bad = () => new QemuError("invalid datetime format", "valid formats: '2006-06-17T16:01:21' or '2006-06-17'\n");
  if (!m) throw bad();
  const f = m.slice(1).map((x) => Number.parseInt(x ?? "0", 10));
  const t = mktimegm(f[0]!, f[1]!, f[2]!, f[3] ?? 0, f[4] ?? 0, f[5] ?? 0);
  if (t === -1) throw bad();
  return t;
}

/** configure_rtc(): "invalid datetime format" (+ hint) or "invalid option value 'x'". */
export function configureRtc(opts: QemuOpts | undefined): RtcConfig {
  const cfg: RtcConfig = { base: "utc", clock: "host", driftfix: "none" };
  const base = opts?.get("base");
  if (base !== undefined) {
    if (base === "utc" || base === "localtime") cfg.base = base;
    else cfg.base = { startSeconds: parseDatetime(base) };
  }
  const clock = opts?.get("clock");
  if (clock !== undefined) {
    if (clock !== "host" && clock !== "rt" && clock !== "vm") throw new QemuError(`invalid option value '${clock}'`);
    cfg.clock = clock;
  }
  const driftfix = opts?.get("driftfix");
  if (driftfix !== undefined) {
    if (driftfix !== "slew" && driftfix !== "none") throw new QemuError(`invalid option value '${driftfix}'`);
    cfg.driftfix = driftfix;
  }
  return cfg;
}
