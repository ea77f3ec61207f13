/**
 * Every error Socket Manager throws or rejects with. Each names the module (channel) it concerns, so a
 * console full of errors says at a glance which package is at fault.
 */
export interface ErrorDetails {
  /** The consumer module the error concerns ("socket-manager" for the module itself). */
  moduleId?: string;
  event?: string;
  userId?: string;
  cause?: unknown;
}

export class SocketManagerError extends Error {
  readonly moduleId: string | undefined;
  readonly event: string | undefined;
  readonly userId: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(prefix(details) + message, details.cause === undefined ? undefined : { cause: details.cause });
    this.moduleId = details.moduleId;
    this.event = details.event;
    this.userId = details.userId;
  }

  /** Spelled out, not taken from the constructor, so minified bundles keep readable names. */
  override get name(): string {
    return "SocketManagerError";
  }

  /** Stable machine-readable name, also used on the wire. */
  get code(): string {
    return this.name;
  }
}

function prefix(d: ErrorDetails): string {
  const event = d.event ? ` "${d.event}"` : "";
  if (!d.moduleId) return event ? `Socket Manager |${event}: ` : "Socket Manager | ";
  return `Socket Manager | ${d.moduleId}${event}: `;
}

export class TimeoutError extends SocketManagerError {
  override get name(): string {
    return "TimeoutError";
  }
  /** Users that never answered (requests) or never acknowledged (reliable emits). */
  readonly missing: readonly string[];
  constructor(message: string, details: ErrorDetails & { missing?: readonly string[] } = {}) {
    super(message, details);
    this.missing = details.missing ?? [];
  }
}
export class NoGMError extends SocketManagerError {
  override get name(): string {
    return "NoGMError";
  }
}
export class UserOfflineError extends SocketManagerError {
  override get name(): string {
    return "UserOfflineError";
  }
}
export class PermissionDeniedError extends SocketManagerError {
  override get name(): string {
    return "PermissionDeniedError";
  }
}
export class ValidationError extends SocketManagerError {
  override get name(): string {
    return "ValidationError";
  }
  /** Schema issues or the list of bad config keys, when there are any. */
  readonly issues: readonly { message: string; path?: readonly PropertyKey[] }[];
  constructor(
    message: string,
    details: ErrorDetails & { issues?: readonly { message: string; path?: readonly PropertyKey[] }[] } = {},
  ) {
    super(message, details);
    this.issues = details.issues ?? [];
  }
}
export class RemoteHandlerError extends SocketManagerError {
  override get name(): string {
    return "RemoteHandlerError";
  }
  /** The message of the error thrown by the remote handler. */
  readonly remoteMessage: string;
  constructor(message: string, details: ErrorDetails & { remoteMessage?: string } = {}) {
    super(message, details);
    this.remoteMessage = details.remoteMessage ?? "";
  }
}
export class NoHandlerError extends SocketManagerError {
  override get name(): string {
    return "NoHandlerError";
  }
}
export class PayloadTooLargeError extends SocketManagerError {
  override get name(): string {
    return "PayloadTooLargeError";
  }
}
export class TransportError extends SocketManagerError {
  override get name(): string {
    return "TransportError";
  }
}

/**
 * The message of anything thrown; never throws itself. A handler may throw what a peer sent (`throw data`), and
 * `String()` throws for an object whose `toString` is not a function (`{"toString": 1}` is valid JSON).
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error && typeof e.message === "string") return e.message;
  try {
    return String(e);
  } catch {
    try {
      return Object.prototype.toString.call(e);
    } catch {
      return "(a value that cannot be shown as text)";
    }
  }
}

export const errors = Object.freeze({
  SocketManagerError,
  TimeoutError,
  NoGMError,
  UserOfflineError,
  PermissionDeniedError,
  ValidationError,
  RemoteHandlerError,
  NoHandlerError,
  PayloadTooLargeError,
  TransportError,
});

export type ErrorCode = keyof typeof errors;
