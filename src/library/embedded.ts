/**
 * Socket Manager embedded in a system or module that bundles the library (./connect.ts), when the module is
 * not there to share: the same manager on the consumer's own socket event, with no settings window, status
 * window, indicator, console commands or bridge (those are the module's). Loaded on first use.
 */
import { createApi } from "../api";
import type { Config } from "../config";
import { TransportError } from "../contract/errors";
import type { Api } from "../contract/types";
import { envFromScope } from "../foundry/env";
import type { FoundryGlobalScope } from "../foundry/globals";
import { SocketManager } from "../manager";
import { renamedEnv } from "./renamed-env";

export interface EmbeddedOptions {
  id: string;
  scope: "module" | "system";
  version: string;
  config?: Partial<Config>;
}

/** The consumer's socket event, after checking that Foundry gives it one. */
export function consumerEvent(
  globals: FoundryGlobalScope,
  opts: Pick<EmbeddedOptions, "id" | "scope">,
): string {
  const { id, scope } = opts;
  const game = globals.game;
  const manifest = scope === "system" ? "system.json" : "module.json";
  const fail = (why: string) => new TransportError(`${id}: ${why}`, { moduleId: id });
  if (scope === "system") {
    if (game?.system?.id !== id)
      throw fail(`"${id}" is not this world's system (${game?.system?.id ?? "none"})`);
    if (game.system.socket !== true)
      throw fail(
        `add "socket": true to ${manifest} and restart the world: Foundry relays system.${id} only then`,
      );
  } else {
    const module = game?.modules.get(id);
    if (!module?.active) throw fail(`no active module "${id}" in this world`);
    if (module.socket !== true)
      throw fail(
        `add "socket": true to ${manifest} and restart the world: Foundry relays module.${id} only then`,
      );
  }
  return `${scope}.${id}`;
}

/** Starts an embedded instance; `init` must have run (the library waits for it). */
export function startEmbedded(globals: FoundryGlobalScope, opts: EmbeddedOptions): Api {
  const event = consumerEvent(globals, opts);
  const env = renamedEnv(
    envFromScope(() => globals, { socket: null }),
    { event, id: opts.id },
  );
  const manager = new SocketManager({
    env,
    version: opts.version,
    embeddedIn: opts.id,
    ...(opts.config ? { config: opts.config } : {}),
  });
  const api = createApi(manager);
  manager.listen();
  const start = () => {
    try {
      manager.start();
    } catch (e) {
      console.error(`Socket Manager (embedded in ${opts.id}) | could not start`, e);
    }
  };
  if (globals.game?.ready === true) start();
  else globals.Hooks?.once("ready", start);
  return api;
}
