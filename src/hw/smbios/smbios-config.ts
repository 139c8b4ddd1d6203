/**
 * What `-smbios` and `-uuid` asked for (QEMU 7.2's hw/smbios/smbios.c keeps this in file-scope
 * variables filled while the command line is parsed): the fields per structure type, the binary
 * structures from files, and which types have fields or files. One per machine, kept with its
 * type registry so the board finds it when it builds the tables.
 */
import type { TypeRegistry } from "../../qom/type.js";

export interface SmbiosType0 { vendor?: string; version?: string; date?: string; uefi: boolean; release?: [number, number] }
export interface SmbiosType1 { manufacturer?: string; product?: string; version?: string; serial?: string; sku?: string; family?: string }
export interface SmbiosType2 { manufacturer?: string; product?: string; version?: string; serial?: string; asset?: string; location?: string }
export interface SmbiosType3 { manufacturer?: string; version?: string; serial?: string; asset?: string; sku?: string }
export interface SmbiosType4 {
  sockPfx?: string;
  manufacturer?: string;
  version?: string;
  serial?: string;
  asset?: string;
  part?: string;
  maxSpeed: number;
  currentSpeed: number;
  /** 0: take CPUID[1].EAX and the EDX features of the first CPU. */
  processorId: bigint;
}
export interface SmbiosType8 { internalReference?: string; externalReference?: string; connectorType: number; portType: number }
export interface SmbiosType17 { locPfx?: string; bank?: string; manufacturer?: string; serial?: string; asset?: string; part?: string; speed: number }
export interface SmbiosType41 { designation?: string; kind: number; instance: number; pcidev?: string }

/** QEMU's DEFAULT_CPU_SPEED (MHz) for type 4. */
export const DEFAULT_CPU_SPEED = 2000;

export class SmbiosConfig {
  type0: SmbiosType0 = { uefi: false };
  type1: SmbiosType1 = {};
  type2: SmbiosType2 = {};
  type3: SmbiosType3 = {};
  type4: SmbiosType4 = { maxSpeed: DEFAULT_CPU_SPEED, currentSpeed: DEFAULT_CPU_SPEED, processorId: 0n };
  type8: SmbiosType8[] = [];
  /** Type 11 OEM strings, in command-line order. */
  type11: string[] = [];
  type17: SmbiosType17 = { speed: 0 };
  type41: SmbiosType41[] = [];
  /** -uuid or type=1,uuid=, as 16 bytes in text order. */
  uuid: Uint8Array | undefined;
  /** Structures loaded with file=, in order, placed before the built ones. */
  blobs: Uint8Array[] = [];
  /** How many of those are type 4 (QEMU's smbios_type4_count starts with them). */
  blobType4Count = 0;
  /** Types given with type= (QEMU's have_fields_bitmap) and with file= (have_binfile_bitmap). */
  readonly haveFields = new Set<number>();
  readonly haveBinfile = new Set<number>();
}

const configs = new WeakMap<TypeRegistry, SmbiosConfig>();

/** The machine's SMBIOS settings (empty ones when the command line gave none). */
export function smbiosConfigOf(registry: TypeRegistry): SmbiosConfig {
  let c = configs.get(registry);
  if (!c) configs.set(registry, (c = new SmbiosConfig()));
  return c;
}

export function setSmbiosConfig(registry: TypeRegistry, config: SmbiosConfig): void {
  configs.set(registry, config);
}

/** The 16 bytes of a canonical UUID text (qemu_uuid_parse), or undefined when it is malformed. */
export function parseUuid(text: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(text)) return undefined;
  const hex = text.replace(/-/g, "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
