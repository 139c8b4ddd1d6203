/**
 * QEMU's object_child_foreach_recursive: every object below `obj`, each visited before its own
 * children, siblings in the order QEMU's property hash table iterates them. Monitor commands that
 * ask every device of a kind (HMP `info pic`, `info irq`) list them in this order.
 */
import { isChildProperty, type QomObject } from "./object.js";

export function objectChildForeachRecursive(obj: QomObject, fn: (child: QomObject) => void): void {
  for (const name of obj.propertyNamesInHashOrder()) {
    const prop = obj.properties.get(name);
    if (!prop || !isChildProperty(prop)) continue;
    const child = prop.opaque as QomObject;
    fn(child);
    objectChildForeachRecursive(child, fn);
  }
}
