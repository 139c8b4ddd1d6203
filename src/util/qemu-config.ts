/**
 * The registry of option groups (util/qemu-config.c: qemu_add_opts / qemu_find_opts).
 * QEMU keeps it in a global array; here it is an object, one per parsed command line.
 */
import { QemuError } from "./error.js";
import { QemuOptsList, type QemuOptsListDef } from "./qemu-option.js";

export class OptionGroupRegistry {
  private readonly lists: QemuOptsList[] = [];

  /** qemu_add_opts(): register a group; its QemuOpts start empty. */
  add(def: QemuOptsListDef | QemuOptsList): QemuOptsList {
    const list = def instanceof QemuOptsList ? def : new QemuOptsList(def);
    if (this.lists.some((l) => l.name === list.name)) {
      throw new Error(`option group '${list.name}' registered twice`);
    }
    this.lists.push(list);
    return list;
  }

  /** qemu_find_opts_err(): the group, or "There is no option group 'x'". */
  find(group: string): QemuOptsList {
    const list = this.lists.find((l) => l.name === group);
    if (!list) throw new QemuError(`There is no option group '${group}'`);
    return list;
  }

  tryFind(group: string): QemuOptsList | undefined {
    return this.lists.find((l) => l.name === group);
  }

  /** The groups in registration order (query-command-line-options lists them reversed). */
  all(): readonly QemuOptsList[] {
    return this.lists;
  }
}
