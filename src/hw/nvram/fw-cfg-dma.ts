/**
 * fw_cfg's DMA interface (QEMU 7.2's fw_cfg_dma_transfer): the firmware writes the guest address
 * of an FWCfgDmaAccess {be32 control, be32 length, be64 address} to the DMA register; the
 * device selects, reads, skips or writes the item as asked and stores the resulting control word
 * (0, or the error bit) back into the structure.
 */
import { addressSpaceMemory } from "../../exec/memory.js";
import { FW_CFG_ENTRY_MASK, FW_CFG_INVALID, fwCfgSelect, type FwCfgState } from "./fw-cfg.js";

export const FW_CFG_DMA_CTL_ERROR = 0x01;
export const FW_CFG_DMA_CTL_READ = 0x02;
export const FW_CFG_DMA_CTL_SKIP = 0x04;
export const FW_CFG_DMA_CTL_SELECT = 0x08;
export const FW_CFG_DMA_CTL_WRITE = 0x10;

/** Runs the transfer described at guest address `s.dmaAddr` (then cleared). */
export function fwCfgDmaTransfer(s: FwCfgState): void {
  const as = addressSpaceMemory(s.registry);
  const dmaAddr = Number(s.dmaAddr);
  s.dmaAddr = 0n;
  const head = new Uint8Array(16);
  const view = new DataView(head.buffer);
  const setControl = (v: number) => {
    view.setUint32(0, v);
    as.writeBytes(dmaAddr, head.subarray(0, 4));
  };
  if (as.readBytes(dmaAddr, head) !== 0) {
    setControl(FW_CFG_DMA_CTL_ERROR);
    return;
  }
  let control = view.getUint32(0);
  let length = view.getUint32(4);
  let address = Number(view.getBigUint64(8));
  if (control & FW_CFG_DMA_CTL_SELECT) fwCfgSelect(s, control >>> 16);
  const entry = s.curEntry === FW_CFG_INVALID ? undefined : s.entries[s.curEntry & 0x8000 ? 1 : 0].get(s.curEntry & FW_CFG_ENTRY_MASK);
  let read = false;
  let write = false;
  if (control & FW_CFG_DMA_CTL_READ) read = true;
  else if (control & FW_CFG_DMA_CTL_WRITE) write = true;
  else if (!(control & FW_CFG_DMA_CTL_SKIP)) length = 0;
  control = 0;
  while (length > 0 && !(control & FW_CFG_DMA_CTL_ERROR)) {
    let len: number;
    if (entry === undefined || s.curOffset >= entry.data.length) {
      // Past the item's end: reads give zeros, writes fail, skips just move on.
      len = length;
      if (read && as.writeBytes(address, new Uint8Array(len)) !== 0) control |= FW_CFG_DMA_CTL_ERROR;
      if (write) control |= FW_CFG_DMA_CTL_ERROR;
    } else {
      len = Math.min(length, entry.data.length - s.curOffset);
      if (read) {
        if (as.writeBytes(address, entry.data.subarray(s.curOffset, s.curOffset + len)) !== 0) control |= FW_CFG_DMA_CTL_ERROR;
      } else if (write) {
        if (entry.readOnly || len !== length) control |= FW_CFG_DMA_CTL_ERROR;
        else {
          const buf = new Uint8Array(len);
          if (as.readBytes(address, buf) !== 0) control |= FW_CFG_DMA_CTL_ERROR;
          else {
            entry.data.set(buf, s.curOffset);
            entry.writeCb?.(s.curOffset, len);
          }
        }
      }
      s.curOffset += len;
    }
    address += len;
    length -= len;
  }
  setControl(control);
}
