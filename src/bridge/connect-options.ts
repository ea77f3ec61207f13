/**
 * `api.bridge.connect()`'s options, checked where the caller is (every client has this; the bridge's chunk
 * loads afterwards).
 */
import type { BridgeConnectOptions } from "../contract/bridge";
import { ValidationError } from "../contract/errors";
import { checkKeys } from "../services/options";

/** Longest token the protocol accepts in a hello (docs/BRIDGE.md, hello). */
export const MAX_TOKEN = 4096;

const CONNECT_KEYS = ["url", "token"] as const;

/** `connect()`'s options, checked; the token's value is never put in an error message. */
export function checkConnectOptions(opts: unknown): BridgeConnectOptions {
  const fail = (message: string) => new ValidationError(message, { moduleId: "bridge", event: "connect" });
  if (opts === undefined) return {};
  if (typeof opts !== "object" || opts === null || Array.isArray(opts))
    throw fail("connect options must be an object");
  checkKeys(opts, CONNECT_KEYS, "bridge connect", "bridge", "connect");
  const { url, token } = opts as Record<string, unknown>;
  const out: BridgeConnectOptions = {};
  if (url !== undefined) {
    if (typeof url !== "string" || !isWebSocketUrl(url.trim()))
      throw fail("url must be a ws:// or wss:// URL");
    out.url = url.trim();
  }
  if (token !== undefined) {
    if (typeof token !== "string" || token.length < 1 || token.length > MAX_TOKEN)
      throw fail(`token must be a string of 1 to ${MAX_TOKEN} characters`);
    out.token = token;
  }
  return out;
}

function isWebSocketUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "ws:" || protocol === "wss:";
  } catch {
    return false;
  }
}
