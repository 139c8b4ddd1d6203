/**
 * machine.json memsave and pmemsave: guest memory to a host file, as QEMU's
 * softmmu/cpus.c does it — the file is created (truncated) first, then
 * filled in 1 KiB pieces.  memsave reads linear addresses through a CPU's
 * paging (its debug page walk) and fails on any piece that is not mapped or
 * not backed by memory; pmemsave reads guest-physical memory and, like
 * QEMU's cpu_physical_memory_read, takes whatever unassigned space reads as.
 */
import { closeSync, openSync, writeSync, constants } from "node:fs";
import { strerror } from "../../block/strerror.js";
import { addressSpaceMemory, MEMTX_OK, type AddressSpace } from "../../exec/memory.js";
import { qemuGetCpu, type CPUState } from "../../hw/core/cpu.js";
import { QmpError } from "../../qapi/error.js";
import type { JsonValue } from "../../qobject/json-value.js";
import type { MachineCommandHandler } from "../machine-context.js";

const PIECE = 1024;
const PAGE_SIZE = 4096;

/** fopen(filename, "wb"), with QEMU's error_setg_file_open text. */
function createFile(filename: string): number {
  try {
    return openSync(filename, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o666);
  } catch (err) {
    throw new QmpError("GenericError", `Could not open '${filename}': ${strerror(err)}`);
  }
}

function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  try {
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  } catch {
    throw new QmpError("GenericError", "An IO error has occurred");
  }
}

/** int arguments arrive as number or bigint; guest addresses fit a double exactly. */
function int(v: JsonValue | undefined): number {
  return typeof v === "bigint" ? Number(v) : (v as number);
}

/**
 * QEMU crashes on a negative size (the piece length turns into 4 GiB); qomd refuses it instead,
 * with QEMU's usual text for a bad parameter value.
 */
function checkSize(size: number): void {
  if (size < 0) throw new QmpError("GenericError", "Parameter 'size' expects a non-negative size");
}

function hex16(v: number): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, "0");
}

/** The address space a CPU's debug accesses use (the first of its spaces, system memory without any). */
function cpuAddressSpace(cpu: CPUState): AddressSpace {
  return cpu.addressSpaces[0] ?? addressSpaceMemory(cpu.registry);
}

/** cpu_memory_rw_debug() for a read: page by page through the CPU's translation; false when a piece fails. */
function cpuReadDebug(cpu: CPUState, addr: number, dst: Uint8Array): boolean {
  const translate = cpu.cpuClass.getPhysPageDebug;
  const as = cpuAddressSpace(cpu);
  let pos = 0;
  while (pos < dst.length) {
    const page = addr - (addr % PAGE_SIZE);
    const phys = translate ? translate(cpu, page) : page;
    if (phys === -1) return false;
    const l = Math.min(page + PAGE_SIZE - addr, dst.length - pos);
    if (as.readBytes(phys + (addr - page), dst.subarray(pos, pos + l)) !== MEMTX_OK) return false;
    pos += l;
    addr += l;
  }
  return true;
}

export const memsaveCmd: MachineCommandHandler = (args, ctx) => {
  const origAddr = int(args["val"]);
  const origSize = int(args["size"]);
  const filename = args["filename"] as string;
  const cpuIndex = args["cpu-index"] === undefined ? 0 : int(args["cpu-index"]);
  const cpu = qemuGetCpu(ctx.registry, cpuIndex);
  if (!cpu) throw new QmpError("GenericError", "Parameter 'cpu-index' expects a CPU number");
  checkSize(origSize);
  const fd = createFile(filename);
  try {
    const buf = new Uint8Array(PIECE);
    let addr = origAddr;
    let size = origSize;
    while (size !== 0) {
      const piece = buf.subarray(0, Math.min(PIECE, size));
      if (!cpuReadDebug(cpu, addr, piece)) {
        throw new QmpError("GenericError", `Invalid addr 0x${hex16(origAddr)}/size ${origSize} specified`);
      }
      writeAll(fd, piece);
      addr += piece.length;
      size -= piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return undefined;
};

export const pmemsaveCmd: MachineCommandHandler = (args, ctx) => {
  let addr = int(args["val"]);
  let size = int(args["size"]);
  const filename = args["filename"] as string;
  checkSize(size);
  const fd = createFile(filename);
  try {
    const as = addressSpaceMemory(ctx.registry);
    const buf = new Uint8Array(PIECE);
    while (size !== 0) {
      const piece = buf.subarray(0, Math.min(PIECE, size));
      as.readBytes(addr, piece);
      writeAll(fd, piece);
      addr += piece.length;
      size -= piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return undefined;
};
