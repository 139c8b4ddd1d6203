/**
 * The type table and lazy class initialisation, after QEMU 7.2's qom/object.c.
 *
 * A `TypeInfo` is what a source file declares; `register()` turns it into a `TypeImpl` in the
 * table. Nothing about a type is initialised at registration: its class is built the first time
 * something needs it (`classByName`, `objectNew`, enumeration), parent first, starting as a copy
 * of the parent class so that virtual methods are inherited and can be overridden in
 * `classInit`.
 */
import { QomBug, QomError } from "./error.js";
import type { QomObject } from "./object.js";
import type { ObjectProperty } from "./property.js";

export const TYPE_OBJECT = "object";
export const TYPE_INTERFACE = "interface";

/**
 * The class of a type (QEMU's ObjectClass). Subclass structs (DeviceClass, MachineClass, …)
 * extend this interface with their own fields and virtual methods; `classInit` fills them.
 */
export interface ObjectClass {
  /** The type this class belongs to. */
  readonly type: TypeImpl;
  /** Properties added to this class itself; lookups walk the parent chain. */
  readonly properties: Map<string, ObjectProperty>;
  /** One hidden interface class (`<type>::<iface>`) per interface this class implements. */
  readonly interfaces: InterfaceClass[];
  /** Called when an object of this class is removed from its parent (devices unrealize here). */
  unparent?: (obj: QomObject) => void;
}

export interface InterfaceClass extends ObjectClass {
  /** The class of the type that implements the interface. */
  readonly concreteClass: ObjectClass;
  /** The interface type this class stands for. */
  readonly interfaceType: TypeImpl;
}

/**
 * A type declaration (QEMU's TypeInfo). Hooks use method syntax so that a declaration for a
 * subclass is assignable where the base declaration is expected.
 */
export interface TypeInfo<O extends QomObject = QomObject, C extends ObjectClass = ObjectClass> {
  name: string;
  /** Only the roots `object` and `interface` have no parent. */
  parent?: string;
  /**
   * The JS class that holds an instance's state (QEMU's instance_size). A type without one uses
   * its parent's; a type that ends up with none (interfaces) is abstract.
   */
  instance?: new () => O;
  abstract?: boolean;
  interfaces?: readonly string[];
  classData?: unknown;
  classInit?(klass: C, data: unknown): void;
  /** Runs for every descendant class before the descendant's own classInit. */
  classBaseInit?(klass: C, data: unknown): void;
  instanceInit?(obj: O): void;
  instancePostInit?(obj: O): void;
  instanceFinalize?(obj: O): void;
}

type AnyTypeInfo = TypeInfo<QomObject, ObjectClass>;

function cloneClassFields(parentClass: ObjectClass | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!parentClass) return out;
  for (const [key, value] of Object.entries(parentClass)) {
    if (value instanceof Set) out[key] = new Set(value);
    else if (value instanceof Map) out[key] = new Map(value);
    else if (Array.isArray(value)) out[key] = [...(value as unknown[])];
    else out[key] = value;
  }
  return out;
}

export class TypeImpl {
  /** Built by `TypeRegistry.initialize`; undefined until the type is first used. */
  klass: ObjectClass | undefined;
  /** Resolved lazily: a missing parent is only reported when first needed. */
  parentType: TypeImpl | undefined;
  instanceCtor: (new () => QomObject) | undefined;
  abstract: boolean;

  constructor(
    readonly registry: TypeRegistry,
    readonly info: AnyTypeInfo,
  ) {
    this.instanceCtor = info.instance;
    this.abstract = info.abstract ?? false;
  }

  get name(): string {
    return this.info.name;
  }

  get parentName(): string | undefined {
    return this.info.parent;
  }
}

export class TypeRegistry {
  private readonly table = new Map<string, TypeImpl>();
  private enumerating = 0;
  /**
   * The root of this registry's composition tree, created on first use by objectGetRoot(). QEMU
   * has one type table and one root per process; qomd has one pair per machine worker.
   */
  rootObject: QomObject | undefined;

  /** Adds a type to the table (QEMU's type_register). */
  register<O extends QomObject, C extends ObjectClass>(info: TypeInfo<O, C>): TypeImpl {
    if (this.enumerating > 0) {
      throw new QomBug(`type '${info.name}' registered while the type table is being enumerated`);
    }
    if (!info.parent && info.name !== TYPE_OBJECT && info.name !== TYPE_INTERFACE) {
      throw new QomBug(`type '${info.name}' has no parent`);
    }
    if (this.table.has(info.name)) {
      throw new QomError(`Registering \`${info.name}' which already exists`);
    }
    // The hooks are declared with method syntax, so this widening is sound for the registry's use.
    const ti = new TypeImpl(this, info as unknown as AnyTypeInfo);
    this.table.set(info.name, ti);
    return ti;
  }

  /** QEMU's type_register_static_array / DEFINE_TYPES. */
  registerAll(infos: readonly TypeInfo<QomObject, ObjectClass>[]): void {
    for (const info of infos) this.register(info);
  }

  lookup(name: string): TypeImpl | undefined {
    return this.table.get(name);
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  /** The parent type, looked up the first time it is needed. */
  parentOf(ti: TypeImpl): TypeImpl | undefined {
    if (ti.parentName === undefined) return undefined;
    if (!ti.parentType) {
      const parent = this.table.get(ti.parentName);
      if (!parent) {
        throw new QomError(`Type '${ti.name}' is missing its parent '${ti.parentName}'`);
      }
      ti.parentType = parent;
    }
    return ti.parentType;
  }

  /** True when `ti` is `ancestor` or descends from it. */
  isAncestor(ti: TypeImpl, ancestor: TypeImpl): boolean {
    for (let t: TypeImpl | undefined = ti; t; t = this.parentOf(t)) {
      if (t === ancestor) return true;
    }
    return false;
  }

  /**
   * Builds the class of `ti` if it does not exist yet (QEMU's type_initialize). The order of
   * steps is QEMU's: parent class first, copy it, interfaces, every ancestor's classBaseInit
   * (nearest ancestor first), then the type's own classInit.
   */
  initialize(ti: TypeImpl): ObjectClass {
    if (ti.klass) return ti.klass;

    const parent = this.parentOf(ti);
    if (!ti.instanceCtor && parent) {
      this.initialize(parent);
      ti.instanceCtor = parent.instanceCtor;
    }
    // A type with no instance storage at all (interfaces) is implicitly abstract.
    if (!ti.instanceCtor) ti.abstract = true;
    if (this.isInterfaceType(ti)) this.checkInterfaceInfo(ti);

    const parentClass = parent ? this.initialize(parent) : undefined;
    // The copy carries the parent's virtual methods and class fields; its own bookkeeping is new.
    // QEMU copies the class struct byte for byte, so inline containers (bitmaps, arrays) are
    // the child's own; here sets, maps and arrays are copied for the same effect.
    const klass: ObjectClass = {
      ...cloneClassFields(parentClass),
      type: ti,
      properties: new Map<string, ObjectProperty>(),
      interfaces: [],
    };
    ti.klass = klass;

    if (parentClass) {
      for (const iface of parentClass.interfaces) {
        this.initializeInterface(ti, iface.interfaceType, iface.type);
      }
    }
    for (const ifaceName of ti.info.interfaces ?? []) {
      const ifaceType = this.table.get(ifaceName);
      if (!ifaceType) {
        throw new QomError(`missing interface '${ifaceName}' for object '${ti.name}'`);
      }
      // An interface already inherited through a more specific one is not added twice.
      const covered = klass.interfaces.some((c) => this.isAncestor(c.interfaceType, ifaceType));
      if (!covered) this.initializeInterface(ti, ifaceType, ifaceType);
    }

    for (let anc = parent; anc; anc = this.parentOf(anc)) {
      anc.info.classBaseInit?.(klass, ti.info.classData);
    }
    ti.info.classInit?.(klass, ti.info.classData);
    return klass;
  }

  /** The class of a type, initialising it on first use (QEMU's object_class_by_name). */
  classByName(name: string): ObjectClass | undefined {
    const ti = this.table.get(name);
    return ti ? this.initialize(ti) : undefined;
  }

  classGetParent(klass: ObjectClass): ObjectClass | undefined {
    const parent = this.parentOf(klass.type);
    return parent ? this.initialize(parent) : undefined;
  }

  /**
   * QEMU's object_class_dynamic_cast. Casting to an interface looks at the hidden interface
   * classes; when more than one of them matches, the cast is ambiguous and fails.
   */
  classDynamicCast(klass: ObjectClass, typename: string): ObjectClass | undefined {
    if (klass.type.name === typename) return klass;
    const target = this.table.get(typename);
    if (!target) return undefined;
    this.initialize(target);
    if (this.isInterfaceType(target) && klass.interfaces.length > 0) {
      let found: ObjectClass | undefined;
      let matches = 0;
      for (const iface of klass.interfaces) {
        if (this.isAncestor(iface.type, target)) {
          found = iface;
          matches++;
        }
      }
      return matches === 1 ? found : undefined;
    }
    return this.isAncestor(klass.type, target) ? klass : undefined;
  }

  /** QEMU's OBJECT_CLASS_CHECK: a cast that must succeed. */
  classCheck<C extends ObjectClass>(klass: ObjectClass, typename: string): C {
    const c = this.classDynamicCast(klass, typename);
    if (!c) {
      throw new QomBug(`class '${klass.type.name}' is not an instance of type '${typename}'`);
    }
    return c as C;
  }

  /**
   * Every class, optionally only those that cast to `implementsType`, optionally with abstract
   * ones (QEMU's object_class_get_list). Enumeration initialises every type, in table order.
   */
  classList(implementsType: string | undefined, includeAbstract: boolean): ObjectClass[] {
    const out: ObjectClass[] = [];
    this.enumerating++;
    try {
      for (const ti of this.table.values()) {
        const klass = this.initialize(ti);
        if (implementsType !== undefined && !this.classDynamicCast(klass, implementsType)) continue;
        if (ti.abstract && !includeAbstract) continue;
        out.push(klass);
      }
    } finally {
      this.enumerating--;
    }
    return out;
  }

  /** Names of all registered types, in registration order, without initialising anything. */
  typeNames(): string[] {
    return [...this.table.keys()];
  }

  isInterfaceType(ti: TypeImpl): boolean {
    const iface = this.table.get(TYPE_INTERFACE);
    return iface !== undefined && ti !== iface && this.isAncestor(ti, iface);
  }

  private checkInterfaceInfo(ti: TypeImpl): void {
    const info = ti.info;
    if (info.instance || info.instanceInit || info.instancePostInit || info.instanceFinalize) {
      throw new QomBug(`interface type '${ti.name}' must not have instance state or hooks`);
    }
    if (info.interfaces?.length) {
      throw new QomBug(`interface type '${ti.name}' must not implement interfaces`);
    }
  }

  /** Creates the hidden abstract type `<type>::<iface>` and records its class. */
  private initializeInterface(ti: TypeImpl, ifaceType: TypeImpl, parentType: TypeImpl): void {
    const klass = ti.klass;
    if (!klass) throw new QomBug(`interface added to uninitialised type '${ti.name}'`);
    const name = `${ti.name}::${ifaceType.name}`;
    // Hidden types stay out of the table, as in QEMU: they are never enumerated or looked up.
    const hidden = new TypeImpl(this, { name, parent: parentType.name, abstract: true });
    hidden.parentType = parentType;
    const ifaceClass = this.initialize(hidden) as InterfaceClass;
    Object.assign(ifaceClass, { concreteClass: klass, interfaceType: ifaceType });
    klass.interfaces.push(ifaceClass);
  }
}
