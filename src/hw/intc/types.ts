/** The interrupt controller types: the intctrl interface, 8259 PIC, I/O APIC, local APIC and kvmvapic. */
import type { TypeRegistry } from "../../qom/type.js";
import { apicCommonTypeInfo, apicTypeInfo, kvmvapicTypeInfo } from "./apic.js";
import { i8259TypeInfo } from "./i8259.js";
import { picCommonTypeInfo } from "./i8259-common.js";
import { ioapicCommonTypeInfo, ioapicTypeInfo } from "./ioapic.js";
import { intctrlTypeInfo } from "./intc.js";

export function registerIntcTypes(types: TypeRegistry): void {
  types.register(intctrlTypeInfo);
  types.register(picCommonTypeInfo);
  types.register(i8259TypeInfo);
  types.register(ioapicCommonTypeInfo);
  types.register(ioapicTypeInfo);
  types.register(apicCommonTypeInfo);
  types.register(apicTypeInfo);
  types.register(kvmvapicTypeInfo);
}
