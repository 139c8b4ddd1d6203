/** Architectural constants shared by the interpreter's files. */

// Register numbers as encoded in ModR/M.
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

// Segment register numbers as encoded in ModR/M (mov Sw).
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"] as const;

// EFLAGS bits.
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100;
export const IF = 0x200, DF = 0x400, OF = 0x800, IOPL = 0x3000, NT = 0x4000;
export const RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000, ID = 0x200000;
/** The six arithmetic flags, the ones computed lazily. */
export const ARITH = CF | PF | AF | ZF | SF | OF;

// CR0 bits.
export const CR0_PE = 0x1, CR0_MP = 0x2, CR0_EM = 0x4, CR0_TS = 0x8, CR0_ET = 0x10, CR0_NE = 0x20;
export const CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_NW = 0x20000000, CR0_CD = 0x40000000;
export const CR0_PG = 0x80000000 | 0;
// CR4 bits.
export const CR4_VME = 0x1, CR4_PVI = 0x2, CR4_TSD = 0x4, CR4_DE = 0x8, CR4_PSE = 0x10;
export const CR4_PAE = 0x20, CR4_MCE = 0x40, CR4_PGE = 0x80, CR4_PCE = 0x100;
export const CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;

// Exception vectors.
export const EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6;
export const EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13;
export const EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18;

/**
 * Descriptor-cache attribute word, as in a descriptor's bytes 5-6:
 * bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G.
 */
export const AR_TYPE = 0x0f, AR_S = 0x10, AR_DPL = 0x60, AR_P = 0x80, AR_DB = 0x4000, AR_G = 0x8000;
/** Attributes of a segment loaded in real mode at reset: present, writable data, accessed. */
export const AR_REAL_DATA = AR_P | AR_S | 0x3;
export const AR_REAL_CODE = AR_P | AR_S | 0xb;

/** Byte offsets of the 8-bit registers AL CL DL BL AH CH DH BH in the register file. */
export const R8 = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p ? PF : 0;
}

/** Which x86 generation to behave like; the SingleStepTests oracles are 8086 and 80286 hardware. */
export type CpuLevel = 8086 | 286 | 386 | 486 | 586 | 686;
/** The same, ordered numerically (the 8086 is 86) so `level >= 386` reads naturally. */
export type CpuGen = 86 | 286 | 386 | 486 | 586 | 686;
