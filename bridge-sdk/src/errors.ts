/**
 * Errors a bridge's `request` and `ping` reject with. Every one is a `BridgeError` with a `code`, the
 * request `kind` and, when one was concerned, the `world`.
 */

/** Names the request and, when known, the world: `request "kind"` or `request "kind" to world "w"`. */
function subject(kind: string, world: string | undefined): string {
  return world === undefined ? `request "${kind}"` : `request "${kind}" to world "${world}"`;
}

function quoteAll(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

/** Base class of every error the SDK rejects with. */
export class BridgeError extends Error {
  /** `NOT_CONNECTED`, `TIMEOUT`, `WORLD_REQUIRED`, `TOO_LARGE`, `BAD_ARGUMENT`, or a remote code. */
  readonly code: string;
  /** The request kind (`"ping"` for `bridge.ping()`). */
  readonly kind: string;
  /** The world the request was for, when one was chosen. */
  readonly world: string | undefined;

  constructor(code: string, kind: string, world: string | undefined, message: string) {
    super(message);
    this.name = "BridgeError";
    this.code = code;
    this.kind = kind;
    this.world = world;
  }
}

/**
 * No Foundry client can take the request: nobody is connected, the named world is not, the connection
 * closed before the response came (replaced, dropped, server closed), or the frame could not be sent.
 */
export class NotConnectedError extends BridgeError {
  constructor(kind: string, world: string | undefined, detail: string) {
    super("NOT_CONNECTED", kind, world, `Bridge ${subject(kind, world)} failed: ${detail}`);
    this.name = "NotConnectedError";
  }

  /** Nobody is connected, or `world` is not among the connected worlds. */
  static absent(kind: string, world: string | undefined, connected: readonly string[]): NotConnectedError {
    if (world === undefined) return new NotConnectedError(kind, undefined, "no Foundry client is connected");
    const others = connected.length === 0 ? "no world is connected" : `connected: ${quoteAll(connected)}`;
    return new NotConnectedError(kind, world, `world "${world}" is not connected (${others})`);
  }
}

/** The client did not answer within the timeout. */
export class TimeoutError extends BridgeError {
  /** The timeout that ran out, in ms. */
  readonly timeoutMs: number;

  constructor(kind: string, world: string, timeoutMs: number) {
    super("TIMEOUT", kind, world, `Bridge ${subject(kind, world)} timed out after ${timeoutMs} ms`);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** The Foundry client answered `ok: false`; `code` and `remoteMessage` are what it sent. */
export class RemoteError extends BridgeError {
  /** The client's own message, unchanged. */
  readonly remoteMessage: string;

  constructor(kind: string, world: string, code: string, remoteMessage: string) {
    super(code, kind, world, `Bridge ${subject(kind, world)} failed in Foundry: ${code}: ${remoteMessage}`);
    this.name = "RemoteError";
    this.remoteMessage = remoteMessage;
  }
}

/** Two or more worlds are connected and the call did not say which one it is for. */
export class WorldRequiredError extends BridgeError {
  /** The worlds connected when the call was made. */
  readonly worlds: readonly string[];

  constructor(kind: string, worlds: readonly string[]) {
    super(
      "WORLD_REQUIRED",
      kind,
      undefined,
      `Bridge ${subject(kind, undefined)} needs a world: ${worlds.length} worlds are connected ` +
        `(${quoteAll(worlds)}); pass { world } to choose one`,
    );
    this.name = "WorldRequiredError";
    this.worlds = [...worlds];
  }
}
