/**
 * Objects (QEMU's Object, qom/object.c): creation, reference counting, properties, casts and
 * the composition tree's bookkeeping. Child, link and alias properties live in their own files.
 */
import type { JsonValue } from "../qobject/json-value.js";
import { QomBug, QomError } from "./error.js";
import type { ObjectProperty } from "./property.js";
import { TYPE_OBJECT, type ObjectClass, type TypeImpl, type TypeRegistry } from "./type.js";
import { JsonInputVisitor, StringInputVisitor, type Visitor } from "./visitor.js";
import { GHashOrder } from "../util/ghash-order.js";

/** Auto-indexed names end in `[*]`; QEMU tries indices below INT16_MAX. */
const AUTO_INDEX_SUFFIX = "[*]";
const AUTO_INDEX_LIMIT = 32767;

export class QomObject {
  /** Set by `objectNew` before any instance hook runs. */
  klass!: ObjectClass;
  /** The object holding this one in a child<> property, if any. */
  parent: QomObject | undefined;
  /** The name of that child<> property in the parent. */
  parentPropertyName: string | undefined;
  refCount = 0;
  /** True only for a composition tree's root container. */
  isRoot = false;
  /** Instance properties, in insertion order. */
  readonly properties = new Map<string, ObjectProperty>();
  /**
   * QEMU keeps instance properties in a GHashTable, whose iteration order (what qom-list shows)
   * depends on removals too. Until a property is deleted the order follows from `properties`'
   * insertion order alone, so the table is only replayed from the first deletion on: objects that
   * never lose a property pay nothing.
   */
  private hashOrder: GHashOrder | undefined;

  get type(): TypeImpl {
    return this.klass.type;
  }

  get typeName(): string {
    return this.klass.type.name;
  }

  get registry(): TypeRegistry {
    return this.klass.type.registry;
  }

  // ---- casts ---------------------------------------------------------------------------------

  /** QEMU's object_dynamic_cast: this object if its class casts to `typename`. */
  dynamicCast<T extends QomObject = QomObject>(typename: string): T | undefined {
    return this.registry.classDynamicCast(this.klass, typename) ? (this as QomObject as T) : undefined;
  }

  isA(typename: string): boolean {
    return this.dynamicCast(typename) !== undefined;
  }

  /** QEMU's OBJECT_CHECK: a cast that must succeed; failing is a bug in the caller. */
  check<T extends QomObject>(typename: string): T {
    const obj = this.dynamicCast<T>(typename);
    if (!obj) {
      throw new QomBug(`Object of type '${this.typeName}' is not an instance of type '${typename}'`);
    }
    return obj;
  }

  /** The class cast to a class struct type, e.g. `obj.classAs<DeviceClass>(TYPE_DEVICE)`. */
  classAs<C extends ObjectClass>(typename: string): C {
    return this.registry.classCheck<C>(this.klass, typename);
  }

  // ---- reference counting ----------------------------------------------------------------------

  ref(): this {
    this.refCount++;
    return this;
  }

  /** Drops a reference; the last one finalises the object. */
  unref(): void {
    if (this.refCount <= 0) throw new QomBug(`unref of '${this.typeName}' with no references`);
    if (--this.refCount === 0) this.finalize();
  }

  private finalize(): void {
    // Releasing a property can add or remove others (a child's release unparents it), so keep
    // going until none is left, as QEMU does.
    while (this.properties.size > 0) {
      const snapshot = [...this.properties.values()];
      this.properties.clear();
      for (const prop of snapshot) prop.release?.(this);
    }
    for (let ti: TypeImpl | undefined = this.type; ti; ti = this.registry.parentOf(ti)) {
      ti.info.instanceFinalize?.(this);
    }
    if (this.refCount !== 0 || this.parent) {
      throw new QomBug(`finalised '${this.typeName}' is still referenced or parented`);
    }
  }

  // ---- properties -------------------------------------------------------------------------------

  /** Class properties first (the root class wins), then instance properties. */
  findProperty(name: string): ObjectProperty | undefined {
    return findClassProperty(this.registry, this.klass, name) ?? this.properties.get(name);
  }

  /**
   * Adds an instance property. A name ending in `[*]` takes the first free index
   * (`device[0]`, `device[1]`, …). Returns the property as stored, with its final name.
   */
  addProperty(prop: ObjectProperty): ObjectProperty {
    if (prop.name.endsWith(AUTO_INDEX_SUFFIX)) {
      const base = prop.name.slice(0, -AUTO_INDEX_SUFFIX.length);
      for (let i = 0; i < AUTO_INDEX_LIMIT; i++) {
        const name = `${base}[${i}]`;
        if (!this.findProperty(name)) return this.storeProperty({ ...prop, name });
      }
      throw new QomBug(`no free index for property '${prop.name}' in '${this.typeName}'`);
    }
    if (this.findProperty(prop.name)) {
      throw new QomError(
        `attempt to add duplicate property '${prop.name}' to object (type '${this.typeName}')`,
      );
    }
    return this.storeProperty(prop);
  }

  private storeProperty(prop: ObjectProperty): ObjectProperty {
    this.properties.set(prop.name, prop);
    this.hashOrder?.insert(prop.name);
    return prop;
  }

  /** Instance property names in the order QEMU's hash table iterates them. */
  propertyNamesInHashOrder(): string[] {
    return (this.hashOrder ?? GHashOrder.fromInsertions(this.properties.keys())).order();
  }

  /** Removes an instance property and releases it (QEMU's object_property_del). */
  deleteProperty(name: string): void {
    const prop = this.properties.get(name);
    if (!prop) return;
    this.hashOrder ??= GHashOrder.fromInsertions(this.properties.keys());
    this.hashOrder.remove(name);
    this.properties.delete(name);
    prop.release?.(this);
  }

  requireProperty(name: string): ObjectProperty {
    const prop = this.findProperty(name);
    if (!prop) throw new QomError(`Property '${this.typeName}.${name}' not found`);
    return prop;
  }

  /** QEMU's object_property_get through the QObject output visitor (`qom-get`). */
  getProperty(name: string): JsonValue {
    const prop = this.requireProperty(name);
    if (!prop.get) throw new QomError(`Property '${this.typeName}.${name}' is not readable`);
    return prop.get(this);
  }

  setProperty(name: string, v: Visitor): void {
    const prop = this.requireProperty(name);
    if (!prop.set) throw new QomError(`Property '${this.typeName}.${name}' is not writable`);
    prop.set(this, v);
  }

  /** Strictly typed, as `qom-set` (QEMU's object_property_set_qobject). */
  setPropertyJson(name: string, value: JsonValue): void {
    this.setProperty(name, new JsonInputVisitor(value));
  }

  /** Parsed from text, as the command line (QEMU's object_property_parse). */
  parseProperty(name: string, text: string): void {
    this.setProperty(name, new StringInputVisitor(text));
  }

  propertyType(name: string): string {
    return this.requireProperty(name).type;
  }

  /**
   * Every property, as QEMU's object_property_iter walks them: instance properties, then each
   * class's own properties from the object's class up to the root.
   */
  *propertyIter(): IterableIterator<ObjectProperty> {
    yield* this.properties.values();
    for (let k: ObjectClass | undefined = this.klass; k; k = this.registry.classGetParent(k)) {
      yield* k.properties.values();
    }
  }

  // ---- composition tree -----------------------------------------------------------------------

  /** The path from the root (`/machine/i440fx`), or undefined when not attached to a root. */
  get canonicalPath(): string | undefined {
    if (this.isRoot) return "/";
    const parts: string[] = [];
    let obj: QomObject = this;
    while (!obj.isRoot) {
      if (!obj.parent || obj.parentPropertyName === undefined) return undefined;
      parts.push(obj.parentPropertyName);
      obj = obj.parent;
    }
    return "/" + parts.reverse().join("/");
  }

  /** QEMU's object_resolve_path_component: follow one property (child, link or alias). */
  resolveComponent(part: string): QomObject | undefined {
    const prop = this.findProperty(part);
    return prop?.resolve?.(this, part);
  }

  /** Child objects, in property order. */
  *children(): IterableIterator<[string, QomObject]> {
    for (const prop of this.properties.values()) {
      if (isChildProperty(prop)) yield [prop.name, prop.opaque as QomObject];
    }
  }

  /** Removes this object from its parent, dropping the parent's reference. */
  unparent(): void {
    if (this.parent && this.parentPropertyName !== undefined) {
      this.parent.deleteProperty(this.parentPropertyName);
    }
  }
}

export function isChildProperty(prop: ObjectProperty): boolean {
  return prop.type.startsWith("child<");
}

export function isLinkProperty(prop: ObjectProperty): boolean {
  return prop.type.startsWith("link<");
}

function findClassProperty(
  registry: TypeRegistry,
  klass: ObjectClass,
  name: string,
): ObjectProperty | undefined {
  const parent = registry.classGetParent(klass);
  return (parent && findClassProperty(registry, parent, name)) ?? klass.properties.get(name);
}

/** Adds a class property; class property names are unique along the class chain. */
export function addClassProperty(klass: ObjectClass, prop: ObjectProperty): ObjectProperty {
  if (findClassProperty(klass.type.registry, klass, prop.name)) {
    throw new QomBug(`duplicate class property '${prop.name}' in '${klass.type.name}'`);
  }
  klass.properties.set(prop.name, prop);
  return prop;
}

/** Class properties of a class and its ancestors, leaf class first (QEMU's class iterator). */
export function* classPropertyIter(klass: ObjectClass): IterableIterator<ObjectProperty> {
  for (let k: ObjectClass | undefined = klass; k; k = klass.type.registry.classGetParent(k)) {
    yield* k.properties.values();
  }
}

/**
 * Creates an object of a concrete type (QEMU's object_new): class properties' initialisers
 * (defaults), then `instanceInit` from the root type down to the object's type, then
 * `instancePostInit` from the object's type up to the root. That last order is QEMU 7.2's;
 * upstream reversed it in 2025, but 7.2 is qomd's reference.
 * The new object holds one reference, owned by the caller.
 */
export function objectNew<T extends QomObject = QomObject>(registry: TypeRegistry, typename: string): T {
  const ti = registry.lookup(typename);
  if (!ti) throw new QomError(`invalid object type: ${typename}`);
  const klass = registry.initialize(ti);
  if (ti.abstract || !ti.instanceCtor) throw new QomError(`object type '${typename}' is abstract`);

  const obj = new ti.instanceCtor();
  obj.klass = klass;
  obj.refCount = 1;
  for (const prop of classPropertyIter(klass)) prop.init?.(obj);

  const chain: TypeImpl[] = [];
  for (let t: TypeImpl | undefined = ti; t; t = registry.parentOf(t)) chain.push(t);
  for (let i = chain.length - 1; i >= 0; i--) chain[i]!.info.instanceInit?.(obj);
  for (const t of chain) t.info.instancePostInit?.(obj);
  return obj as T;
}

/** The `object` type's class: every object has the read-only class property `type`. */
export function objectClassInit(klass: ObjectClass): void {
  addClassProperty(klass, { name: "type", type: "string", get: (obj) => obj.typeName });
}

export const objectTypeInfo = {
  name: TYPE_OBJECT,
  abstract: true,
  instance: QomObject,
  classInit: objectClassInit,
};
