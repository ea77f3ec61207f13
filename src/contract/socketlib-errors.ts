/**
 * socketlib's error classes, for modules migrating from socketlib (`api.socketlib.errors`). Each is also the
 * matching Socket Manager error, so both `instanceof SocketlibNoGMConnectedError` and `instanceof NoGMError`
 * hold; `instanceof SocketlibError` holds for all of them.
 */
import {
  type ErrorDetails,
  NoGMError,
  NoHandlerError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  UserOfflineError,
} from "./errors";

const BRAND = Symbol.for("socket-manager.socketlib-error");

function brand(error: object): void {
  Object.defineProperty(error, BRAND, { value: true });
}

/** Matches every socketlib-named error (JavaScript allows one parent class, so this checks a brand). */
export class SocketlibError extends SocketManagerError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details);
    brand(this);
  }
  override get name(): string {
    return "SocketlibError";
  }
}
type ErrorClass<T extends SocketManagerError> = new (message: string, details?: ErrorDetails) => T;

/** A subclass of `Base` named `name` that is also a SocketlibError. */
function socketlibNamed<T extends SocketManagerError>(Base: ErrorClass<T>, name: string): ErrorClass<T> {
  return class extends (Base as ErrorClass<SocketManagerError>) {
    constructor(message: string, details?: ErrorDetails) {
      super(message, details);
      brand(this);
    }
    override get name(): string {
      return name;
    }
  } as unknown as ErrorClass<T>;
}

export const SocketlibNoGMConnectedError = socketlibNamed(NoGMError, "SocketlibNoGMConnectedError");
export const SocketlibInvalidUserError = socketlibNamed(UserOfflineError, "SocketlibInvalidUserError");
export const SocketlibRemoteException = socketlibNamed(RemoteHandlerError, "SocketlibRemoteException");
export const SocketlibUnregisteredHandlerError = socketlibNamed(
  NoHandlerError,
  "SocketlibUnregisteredHandlerError",
);
export const SocketlibInternalError = socketlibNamed(SocketManagerError, "SocketlibInternalError");
/** An opted-in timeout (`registerModule(id, { timeout })`): a TimeoutError that is also a SocketlibError. */
export const SocketlibTimeoutError = socketlibNamed(TimeoutError, "SocketlibTimeoutError");

export const socketlibErrors = Object.freeze({
  SocketlibError,
  SocketlibNoGMConnectedError,
  SocketlibInvalidUserError,
  SocketlibRemoteException,
  SocketlibUnregisteredHandlerError,
  SocketlibInternalError,
  SocketlibTimeoutError,
});
