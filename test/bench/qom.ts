/**
 * QOM benchmarks: object creation for a five-level type with twenty properties, property
 * get/set, and partial path resolution in a tree of 10,000 objects.
 */
import { qomInit } from "../../src/modules.js";
import { adoptChild } from "../../src/qom/child.js";
import { addClassProperty, objectNew, QomObject } from "../../src/qom/object.js";
import { resolvePath } from "../../src/qom/path.js";
import { intProperty } from "../../src/qom/property.js";
import { objectGetRoot } from "../../src/qom/root.js";
import { TYPE_OBJECT } from "../../src/qom/type.js";
import type { IntValue } from "../../src/qom/visitor.js";
import { opsPerSecond } from "./measure.js";

class Wide extends QomObject {
  values: IntValue[] = new Array<IntValue>(20).fill(0);
}

export async function run(): Promise<Record<string, number>> {
  const types = qomInit().types;
  let parent = TYPE_OBJECT;
  for (let level = 0; level < 5; level++) {
    const name = `bench-level-${level}`;
    types.register({
      name,
      parent,
      instance: level === 0 ? Wide : undefined,
      classInit: (k) => {
        for (let i = level * 4; i < level * 4 + 4; i++) {
          addClassProperty(
            k,
            intProperty(`p${i}`, "uint32", {
              get: (o) => (o as Wide).values[i]!,
              set: (o, v) => ((o as Wide).values[i] = v),
            }),
          );
        }
      },
      instanceInit: () => {},
    });
    parent = name;
  }
  const leaf = parent;

  const createOps = opsPerSecond(() => objectNew(types, leaf).unref());
  const obj = objectNew(types, leaf);
  let n = 0;
  const getOps = opsPerSecond(() => void obj.getProperty(`p${n++ % 20}`));
  const setOps = opsPerSecond(() => obj.setPropertyJson(`p${n++ % 20}`, n & 0xffff));

  // 10,000 objects: 100 containers of 99 leaves each, plus the containers themselves.
  const root = objectGetRoot(types);
  const top = adoptChild(root, "tree", objectNew(types, "container"));
  for (let c = 0; c < 100; c++) {
    const box = adoptChild(top, `box${c}`, objectNew(types, "container"));
    for (let l = 0; l < 99; l++) adoptChild(box, `leaf${c}-${l}`, objectNew(types, "container"));
  }
  let k = 0;
  const resolveOps = opsPerSecond(() => {
    const c = k++ % 100;
    if (!resolvePath(root, `leaf${c}-${c % 99}`).obj) throw new Error("partial path did not resolve");
  });

  return {
    "qom.object_new.five_levels_20_props.ops_per_s": createOps,
    "qom.property_get.ops_per_s": getOps,
    "qom.property_set_json.ops_per_s": setOps,
    "qom.resolve_partial_path.10k_objects.ops_per_s": resolveOps,
  };
}
