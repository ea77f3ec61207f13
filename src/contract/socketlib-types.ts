/** Public types of the socketlib-compatible sockets: `api.socketlib.registerModule(id)`. */
import type { HandlerOptions } from "./types";

/** A socketlib handler as registered: named by string, or by the function itself. */
export type SocketlibHandlerRef = string | ((...args: never[]) => unknown);

/** `api.socketlib.registerModule(id, options)`. */
export interface SocketlibCompatOptions {
  /** Milliseconds before executeAsGM / executeAsUser reject with a TimeoutError. Default: none, as socketlib. */
  timeout?: number;
}

export interface SocketlibCompatSocket {
  /** As socketlib's, plus optional permission and schema checks on the receiving side. */
  register(name: string, fn: (...args: never[]) => unknown, opts?: HandlerOptions): void;
  executeAsGM<R = unknown>(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<R>;
  executeAsUser<R = unknown>(handler: SocketlibHandlerRef, userId: string, ...args: unknown[]): Promise<R>;
  executeForEveryone(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForOthers(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForAllGMs(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForOtherGMs(handler: SocketlibHandlerRef, ...args: unknown[]): Promise<void>;
  executeForUsers(handler: SocketlibHandlerRef, userIds: string[], ...args: unknown[]): Promise<void>;
}
