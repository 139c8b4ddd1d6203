/** The chardev QOM types: the abstract `chardev` and each backend qomd implements. */
import type { TypeRegistry } from "../qom/type.js";
import { chardevTypeInfo } from "./chardev.js";
import { chardevFileTypeInfo } from "./char-file.js";
import { chardevMuxTypeInfo } from "./char-mux.js";
import { chardevNullTypeInfo } from "./char-null.js";
import { chardevMemoryTypeInfo, chardevRingbufTypeInfo } from "./char-ringbuf.js";
import { chardevSocketTypeInfo } from "./char-socket.js";
import { chardevStdioTypeInfo } from "./char-stdio.js";
import { chardevVcTypeInfo } from "./char-vc.js";

export function registerChardevTypes(types: TypeRegistry): void {
  types.register(chardevTypeInfo);
  types.register(chardevNullTypeInfo);
  types.register(chardevFileTypeInfo);
  types.register(chardevStdioTypeInfo);
  types.register(chardevRingbufTypeInfo);
  types.register(chardevMemoryTypeInfo);
  types.register(chardevSocketTypeInfo);
  types.register(chardevMuxTypeInfo);
  types.register(chardevVcTypeInfo);
}
