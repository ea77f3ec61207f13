import type { Config } from "../config";
import { TransportError } from "../contract/errors";
import type { FoundryEnv } from "../foundry/types";
import { LocalTransport } from "./local";
import { NativeTransport } from "./native";
import { SocketlibTransport, stopHolding } from "./socketlib";
import type { Transport, TransportKind, TransportSink } from "./transport";

export interface Detection {
  kind: TransportKind;
  /** Why a better transport was passed over, for the console. */
  warning?: string;
}

/** socketlib (active, preferred, registered) → native (game.socket) → local (if allowed). */
export function detectTransport(
  env: FoundryEnv,
  config: Pick<Config, "preferSocketLib" | "fallbackToLocal">,
): Detection {
  let warning: string | undefined;
  if (config.preferSocketLib && env.socketlib.active) {
    if (env.socketlib.socket && env.socket) return { kind: "socketlib" };
    warning =
      "socketlib is active but registering socket-manager with it failed; using Foundry's native socket";
  }
  if (env.socket) return warning ? { kind: "native", warning } : { kind: "native" };
  if (config.fallbackToLocal) return { kind: "local", warning: "no game.socket: running in local mode" };
  throw new TransportError("no socket is available and fallbackToLocal is false");
}

export function createTransport(
  kind: TransportKind,
  env: FoundryEnv,
  sink: TransportSink,
  defer: (fn: () => void) => void,
): Transport {
  if (kind === "socketlib" && env.socketlib.socket && env.socket) {
    return new SocketlibTransport(env.socketlib.socket, env.socket, sink);
  }
  if (env.socketlib.socket) stopHolding(env.socketlib.socket);
  if (kind !== "local" && env.socket) return new NativeTransport(env.socket, sink);
  return new LocalTransport(env.userId, sink, defer);
}
