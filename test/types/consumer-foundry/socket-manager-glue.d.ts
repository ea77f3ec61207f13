// What README's "TypeScript" section tells an author with Foundry typings to write: Socket Manager's hooks join
// their hook map, its API joins their module registry. Both are merges into the author's own interfaces.
import type { Api } from "@socket-manager/types";

declare global {
  interface HookConfig extends SocketManagerHooks {}
  interface ModuleApis {
    "socket-manager": Api;
  }
}
