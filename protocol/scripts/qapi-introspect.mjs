// Builds query-qmp-schema answers (SchemaInfo lists) from the schema model,
// following the rules of QEMU 7.2's scripts/qapi/introspect.py so that the
// output has QEMU's shape:
//
// - commands and events come first, in schema order; then every type they
//   use, in order of first use (a work queue that grows while it is walked);
// - type names other than built-ins are masked as decimal numbers, numbered
//   by first mention; array types are written "[element]";
// - every integer type (int8 ... uint64, size) is shown as 'int', and arrays
//   of them as '[int]';
// - an optional member carries "default": null; a command or event without
//   arguments uses the empty object type; "allow-oob" appears only when true.
//
// It also derives the control socket's variant of the model: every
// machine-scope command gets an optional 'machine' argument and the feature
// 'qomd-per-machine' (see protocol/qapi/qomd.json).

import { DAEMON_FEATURE, BUILTINS, EMPTY_OBJECT } from "./qapi-model.mjs";

/**
 * @typedef {import("./qapi-model.mjs").SchemaModel} SchemaModel
 * @typedef {import("./qapi-model.mjs").TypeDef} TypeDef
 * @typedef {import("./qapi-model.mjs").ObjectDef} ObjectDef
 * @typedef {{ [key: string]: unknown }} SchemaInfo
 */

export const MACHINE_MEMBER = "machine";
export const PER_MACHINE_FEATURE = "qomd-per-machine";

/**
 * Which commands and events a socket offers.
 * @typedef {"machine" | "control"} SocketKind
 */

/**
 * The entity list a socket offers, with control-socket argument types applied.
 * @param {SchemaModel} model
 * @param {SocketKind} socket
 * @returns {{ kind: "command" | "event", name: string, args: string | null, ret?: string | null, allowOob?: boolean, features: string[] }[]}
 */
export function socketEntities(model, socket) {
  /** @type {ReturnType<typeof socketEntities>} */
  const out = [];
  for (const { kind, name } of model.entities) {
    if (kind === "event") {
      const ev = model.events[name];
      // qomd's own events (feature qomd-daemon) exist only on the control socket.
      if (socket === "machine" && ev.features.includes(DAEMON_FEATURE)) continue;
      out.push({ kind, name, args: ev.data, features: ev.features });
      continue;
    }
    const c = model.commands[name];
    if (socket === "machine" && c.scope === "daemon") continue;
    if (socket === "control" && c.scope === "machine") {
      out.push({ kind, name, args: controlArgsTypeName(name), ret: c.ret, allowOob: c.allowOob, features: [...c.features, PER_MACHINE_FEATURE] });
    } else {
      out.push({ kind, name, args: c.args, ret: c.ret, allowOob: c.allowOob, features: c.features });
    }
  }
  return out;
}

/** @param {string} command */
export function controlArgsTypeName(command) {
  return `q_obj_qomd-${command}-arg`;
}

/**
 * Adds, for every machine-scope command, the control socket's argument type:
 * the command's own arguments (flattened; a boxed union keeps its tag and
 * variants) followed by an optional 'machine' string.
 * @param {SchemaModel} model
 */
export function addControlArgTypes(model) {
  for (const [name, c] of Object.entries(model.commands)) {
    if (c.scope !== "machine") continue;
    const own = c.args === null ? undefined : model.types[c.args];
    if (own !== undefined && own.meta !== "object") throw new Error(`arguments of ${name} are not an object`);
    const machineMember = { name: MACHINE_MEMBER, type: "str", optional: true };
    if (own?.members.some((m) => m.name === MACHINE_MEMBER)) throw new Error(`${name} already has a 'machine' argument`);
    /** @type {ObjectDef} */
    const t = { meta: "object", members: [...(own?.members ?? []), machineMember], implicit: true };
    if (own?.tag !== undefined && own.variants) {
      t.tag = own.tag;
      t.variants = own.variants;
    }
    model.types[controlArgsTypeName(name)] = t;
  }
}

/**
 * The SchemaInfo list of one socket.
 * @param {SchemaModel} model
 * @param {SocketKind} socket
 * @returns {SchemaInfo[]}
 */
export function buildIntrospection(model, socket) {
  /** @type {Map<string, string>} */
  const masks = new Map();
  /** @type {string[]} */
  const used = [];
  /** @type {SchemaInfo[]} */
  const trees = [];

  const mask = (/** @type {string} */ name) => {
    let m = masks.get(name);
    if (m === undefined) {
      m = String(masks.size);
      masks.set(name, m);
    }
    return m;
  };

  const typeOf = (/** @type {string} */ name) => {
    const t = model.types[name];
    if (!t) throw new Error(`unknown type ${name}`);
    return t;
  };

  const jsonType = (/** @type {string} */ name) => {
    const t = typeOf(name);
    return t.meta === "builtin" ? t.json : undefined;
  };

  /** @param {string} name @returns {string} */
  const useType = (name) => {
    let t = typeOf(name);
    if (jsonType(name) === "int") {
      name = "int";
      t = typeOf(name);
    } else if (t.meta === "array" && jsonType(t.element) === "int") {
      name = "intList";
      model.types[name] ??= { meta: "array", element: "int" };
      t = typeOf(name);
    }
    if (!used.includes(name)) used.push(name);
    if (t.meta === "builtin") return name;
    if (t.meta === "array") return `[${useType(t.element)}]`;
    return mask(name);
  };

  /** @param {string[] | undefined} features @param {SchemaInfo} obj */
  const withFeatures = (obj, features) => {
    if (features && features.length) obj.features = [...features];
    return obj;
  };

  for (const e of socketEntities(model, socket)) {
    if (e.kind === "command") {
      /** @type {SchemaInfo} */
      const obj = { name: e.name, "meta-type": "command", "arg-type": useType(e.args ?? EMPTY_OBJECT), "ret-type": useType(e.ret ?? EMPTY_OBJECT) };
      if (e.allowOob) obj["allow-oob"] = true;
      trees.push(withFeatures(obj, e.features));
    } else {
      trees.push(withFeatures({ name: e.name, "meta-type": "event", "arg-type": useType(e.args ?? EMPTY_OBJECT) }, e.features));
    }
  }

  // The queue grows while it is walked: visiting a type uses the types it refers to.
  for (let i = 0; i < used.length; i++) {
    const name = used[i];
    const t = typeOf(name);
    switch (t.meta) {
      case "builtin":
        trees.push({ name, "meta-type": "builtin", "json-type": t.json });
        break;
      case "enum":
        trees.push({
          name: mask(name),
          "meta-type": "enum",
          members: t.values.map((v) => withFeatures({ name: v }, t.memberFeatures?.[v])),
          values: [...t.values],
        });
        break;
      case "array": {
        const element = useType(t.element);
        trees.push({ name: `[${element}]`, "meta-type": "array", "element-type": element });
        break;
      }
      case "object": {
        const members = t.members.map((m) => {
          /** @type {SchemaInfo} */
          const o = { name: m.name, type: useType(m.type) };
          if (m.optional) o.default = null;
          return withFeatures(o, m.features);
        });
        /** @type {SchemaInfo} */
        const obj = { name: mask(name), "meta-type": "object", members };
        if (t.variants) {
          obj.tag = t.tag;
          obj.variants = t.variants.map((v) => ({ case: v.case, type: useType(v.type) }));
        }
        trees.push(withFeatures(obj, t.features));
        break;
      }
      case "alternate":
        trees.push({ name: mask(name), "meta-type": "alternate", members: t.members.map((m) => ({ type: useType(m.type) })) });
        break;
    }
  }
  return trees;
}

/** Built-in type names, for consumers that need to tell them from masks. */
export const BUILTIN_NAMES = Object.keys(BUILTINS);
