// Turns the definitions read by qapi-reader.mjs into the resolved schema model
// that protocol/gen/schema.json holds and src/qapi/ validates against.
//
// Resolution follows QAPI's rules: a struct's members are its base's members
// followed by its own; a union's members are its base's, its tag is one of them
// and every value of the tag's enum gets a variant (the empty object when the
// union names none); anonymous member lists become implicit object types named
// as QEMU names them (q_obj_<name>-arg, q_obj_<name>-base, q_empty).

/**
 * @typedef {import("./qapi-reader.mjs").QapiDefinition} QapiDefinition
 * @typedef {import("./qapi-reader.mjs").QapiValue} QapiValue
 * @typedef {{ name: string, type: string, optional: boolean, features?: string[] }} MemberDef
 * @typedef {{ meta: "builtin", json: string }} BuiltinDef
 * @typedef {{ meta: "enum", values: string[], memberFeatures?: { [value: string]: string[] } }} EnumDef
 * @typedef {{ meta: "array", element: string }} ArrayDef
 * @typedef {{ meta: "object", members: MemberDef[], tag?: string, variants?: { case: string, type: string }[], implicit?: boolean, features?: string[] }} ObjectDef
 * @typedef {{ meta: "alternate", members: { type: string }[] }} AlternateDef
 * @typedef {BuiltinDef | EnumDef | ArrayDef | ObjectDef | AlternateDef} TypeDef
 * @typedef {"machine" | "daemon" | "connection"} CommandScope
 * @typedef {{ args: string | null, ret: string | null, boxed: boolean, gen: boolean, allowOob: boolean, allowPreconfig: boolean, features: string[], scope: CommandScope, module: string }} CommandDef
 * @typedef {{ data: string | null, features: string[], module: string }} EventDef
 * @typedef {{ kind: "command" | "event", name: string }} EntityRef
 * @typedef {{ types: { [name: string]: TypeDef }, commands: { [name: string]: CommandDef }, events: { [name: string]: EventDef }, entities: EntityRef[] }} SchemaModel
 */

/** QAPI's built-in types and the JSON type each takes on the wire. */
export const BUILTINS = /** @type {const} */ ({
  str: "string",
  number: "number",
  int: "int",
  int8: "int",
  int16: "int",
  int32: "int",
  int64: "int",
  uint8: "int",
  uint16: "int",
  uint32: "int",
  uint64: "int",
  size: "int",
  bool: "boolean",
  null: "null",
  any: "value",
});

export const EMPTY_OBJECT = "q_empty";

/** Feature marking qomd's daemon-level commands (see protocol/qapi/qomd.json). */
export const DAEMON_FEATURE = "qomd-daemon";
/** Pragma listing the commands answered by every socket about itself. */
export const CONNECTION_PRAGMA = "qomd-connection-commands";

class SchemaError extends Error {
  /** @param {QapiDefinition | undefined} def @param {string} msg */
  constructor(def, msg) {
    super(def ? `${def.file}:${def.line}: ${msg}` : msg);
    this.name = "SchemaError";
  }
}

/**
 * @param {QapiValue | undefined} v
 * @returns {string[]}
 */
function featureNames(v) {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SchemaError(undefined, "features must be a list");
  return v.map((f) => {
    if (typeof f === "string") return f;
    if (typeof f === "object" && !Array.isArray(f) && typeof f.name === "string") return f.name;
    throw new SchemaError(undefined, "bad feature");
  });
}

/**
 * @param {import("./qapi-reader.mjs").QapiSchemaSource} source
 * @returns {SchemaModel}
 */
export function buildModel(source) {
  /** @type {{ [name: string]: TypeDef }} */
  const types = {};
  for (const [name, json] of Object.entries(BUILTINS)) types[name] = { meta: "builtin", json };
  types[EMPTY_OBJECT] = { meta: "object", members: [], implicit: true };

  /** @type {Map<string, { def: QapiDefinition, kind: string }>} */
  const named = new Map();
  for (const def of source.definitions) {
    const e = def.expr;
    const kind = ["enum", "struct", "union", "alternate", "command", "event"].find((k) => k in e);
    if (!kind) throw new SchemaError(def, "unknown definition");
    const name = e[kind];
    if (typeof name !== "string") throw new SchemaError(def, `${kind} name must be a string`);
    const key = kind === "command" || kind === "event" ? `${kind}:${name}` : name;
    if (named.has(key) || (key === name && name in types)) throw new SchemaError(def, `'${name}' is defined twice`);
    named.set(key, { def, kind });
  }

  /**
   * A type reference: 'Name' or ['Name'] (an array, named NameList as in QEMU).
   * @param {QapiValue} ref @param {QapiDefinition} def
   * @returns {string}
   */
  const typeRef = (ref, def) => {
    if (typeof ref === "string") {
      if (!(ref in types) && !named.has(ref)) throw new SchemaError(def, `unknown type '${ref}'`);
      return ref;
    }
    if (Array.isArray(ref) && ref.length === 1) {
      const element = typeRef(ref[0], def);
      const arrayName = `${element}List`;
      types[arrayName] ??= { meta: "array", element };
      return arrayName;
    }
    throw new SchemaError(def, "bad type reference");
  };

  /**
   * Own members of an anonymous member list.
   * @param {QapiValue} data @param {QapiDefinition} def
   * @returns {MemberDef[]}
   */
  const memberList = (data, def) => {
    if (typeof data !== "object" || Array.isArray(data)) throw new SchemaError(def, "members must be an object");
    return Object.entries(data).map(([key, v]) => {
      const optional = key.startsWith("*");
      const name = optional ? key.slice(1) : key;
      /** @type {MemberDef} */
      const m =
        typeof v === "object" && !Array.isArray(v)
          ? { name, type: typeRef(/** @type {QapiValue} */ (v.type), def), optional }
          : { name, type: typeRef(v, def), optional };
      if (typeof v === "object" && !Array.isArray(v) && v.features !== undefined) m.features = featureNames(v.features);
      return m;
    });
  };

  /** @type {Set<string>} */
  const resolving = new Set();

  /**
   * Resolves a named struct or union (and what it depends on) into `types`.
   * @param {string} name
   * @returns {ObjectDef}
   */
  const objectType = (name) => {
    const existing = types[name];
    if (existing) {
      if (existing.meta !== "object") throw new SchemaError(undefined, `'${name}' is not an object type`);
      return existing;
    }
    const entry = named.get(name);
    if (!entry || (entry.kind !== "struct" && entry.kind !== "union")) throw new SchemaError(undefined, `'${name}' is not a struct or union`);
    if (resolving.has(name)) throw new SchemaError(entry.def, `'${name}' contains itself`);
    resolving.add(name);
    const t = resolveObject(entry.def, name, entry.kind);
    resolving.delete(name);
    types[name] = t;
    return t;
  };

  /**
   * @param {QapiValue | undefined} base @param {QapiDefinition} def @param {string} ownerName
   * @returns {MemberDef[]}
   */
  const baseMembers = (base, def, ownerName) => {
    if (base === undefined) return [];
    if (typeof base === "string") {
      const b = objectType(base);
      if (b.variants) throw new SchemaError(def, `base '${base}' must not be a union`);
      return b.members;
    }
    const implicitName = `q_obj_${ownerName}-base`;
    const members = memberList(base, def);
    types[implicitName] = { meta: "object", members, implicit: true };
    return members;
  };

  /**
   * @param {QapiDefinition} def @param {string} name @param {string} kind
   * @returns {ObjectDef}
   */
  const resolveObject = (def, name, kind) => {
    const e = def.expr;
    const members = [...baseMembers(e.base, def, name)];
    /** @type {ObjectDef} */
    const t = { meta: "object", members };
    const features = featureNames(e.features);
    if (features.length) t.features = features;
    if (kind === "struct") {
      for (const m of memberList(e.data ?? {}, def)) {
        if (members.some((x) => x.name === m.name)) throw new SchemaError(def, `member '${m.name}' clashes with the base`);
        members.push(m);
      }
      return t;
    }
    const tagName = e.discriminator;
    const tag = members.find((m) => m.name === tagName);
    if (!tag || tag.optional) throw new SchemaError(def, "the discriminator must be a required base member");
    const tagType = types[tag.type] ?? enumType(tag.type);
    if (tagType.meta !== "enum") throw new SchemaError(def, "the discriminator must be an enum");
    const data = e.data;
    if (typeof data !== "object" || Array.isArray(data)) throw new SchemaError(def, "union data must be an object");
    /** @type {{ case: string, type: string }[]} */
    const variants = [];
    for (const [value, ref] of Object.entries(data)) {
      if (!tagType.values.includes(value)) throw new SchemaError(def, `'${value}' is not a value of ${tag.type}`);
      const vt = typeof ref === "object" && !Array.isArray(ref) ? ref.type : ref;
      if (typeof vt !== "string") throw new SchemaError(def, "a variant must name a struct");
      objectType(vt);
      variants.push({ case: value, type: vt });
    }
    for (const value of tagType.values) {
      if (!variants.some((v) => v.case === value)) variants.push({ case: value, type: EMPTY_OBJECT });
    }
    t.tag = /** @type {string} */ (tagName);
    t.variants = variants;
    return t;
  };

  /**
   * @param {string} name
   * @returns {EnumDef}
   */
  const enumType = (name) => {
    const existing = types[name];
    if (existing) {
      if (existing.meta !== "enum") throw new SchemaError(undefined, `'${name}' is not an enum`);
      return existing;
    }
    const entry = named.get(name);
    if (!entry || entry.kind !== "enum") throw new SchemaError(undefined, `'${name}' is not an enum`);
    const data = entry.def.expr.data;
    if (!Array.isArray(data)) throw new SchemaError(entry.def, "enum data must be a list");
    /** @type {EnumDef} */
    const t = { meta: "enum", values: [] };
    for (const v of data) {
      if (typeof v === "string") {
        t.values.push(v);
      } else if (typeof v === "object" && !Array.isArray(v) && typeof v.name === "string") {
        t.values.push(v.name);
        if (v.features !== undefined) (t.memberFeatures ??= {})[v.name] = featureNames(v.features);
      } else {
        throw new SchemaError(entry.def, "bad enum value");
      }
    }
    types[name] = t;
    return t;
  };

  // Resolve every named type, in definition order.
  for (const [key, { def, kind }] of named) {
    if (kind === "enum") enumType(key);
    else if (kind === "struct" || kind === "union") objectType(key);
    else if (kind === "alternate") {
      const data = def.expr.data;
      if (typeof data !== "object" || Array.isArray(data)) throw new SchemaError(def, "alternate data must be an object");
      types[key] = { meta: "alternate", members: Object.values(data).map((ref) => ({ type: typeRef(ref, def) })) };
    }
  }

  const connectionCommands = source.pragmas[CONNECTION_PRAGMA] ?? [];
  if (!Array.isArray(connectionCommands)) throw new SchemaError(undefined, `pragma ${CONNECTION_PRAGMA} must be a list`);

  /** @type {{ [name: string]: CommandDef }} */
  const commands = {};
  /** @type {{ [name: string]: EventDef }} */
  const events = {};
  /** @type {EntityRef[]} */
  const entities = [];
  for (const def of source.definitions) {
    const e = def.expr;
    if (typeof e.command === "string") {
      const name = e.command;
      const boxed = e.boxed === true;
      /** @type {string | null} */
      let args = null;
      if (typeof e.data === "string") {
        args = e.data;
        const t = objectType(args);
        if (t.variants && !boxed) throw new SchemaError(def, "a union as arguments needs 'boxed': true");
      } else if (e.data !== undefined) {
        const members = memberList(e.data, def);
        args = `q_obj_${name}-arg`;
        types[args] = { meta: "object", members, implicit: true };
      }
      const features = featureNames(e.features);
      /** @type {CommandScope} */
      const scope = connectionCommands.includes(name) ? "connection" : features.includes(DAEMON_FEATURE) ? "daemon" : "machine";
      commands[name] = {
        args,
        ret: e.returns === undefined ? null : typeRef(e.returns, def),
        boxed,
        gen: e.gen !== false,
        allowOob: e["allow-oob"] === true,
        allowPreconfig: e["allow-preconfig"] === true,
        features,
        scope,
        module: def.module,
      };
      entities.push({ kind: "command", name });
    } else if (typeof e.event === "string") {
      const name = e.event;
      /** @type {string | null} */
      let data = null;
      if (typeof e.data === "string") {
        objectType(e.data);
        data = e.data;
      } else if (e.data !== undefined) {
        data = `q_obj_${name}-arg`;
        types[data] = { meta: "object", members: memberList(e.data, def), implicit: true };
      }
      events[name] = { data, features: featureNames(e.features), module: def.module };
      entities.push({ kind: "event", name });
    }
  }
  for (const name of connectionCommands) {
    if (typeof name !== "string" || !commands[name]) throw new SchemaError(undefined, `pragma ${CONNECTION_PRAGMA} names unknown command '${String(name)}'`);
  }
  return { types, commands, events, entities };
}
