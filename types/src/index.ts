/**
 * The public API's declarations: the entry `scripts/declarations.ts` bundles into `dist/socket-manager.d.ts`,
 * the types package (`types/index.d.ts`) and the API report (`api/socket-manager.api.d.ts`). Only what other
 * modules see is exported here; everything else in src/ stays internal.
 *
 * Types only: the module's code reaches other modules at run time as `game.modules.get("socket-manager").api`
 * and `globalThis.SocketManager`, never through an import, so the error classes are exported as types (for
 * annotations) and their values are reached through `api.errors`.
 */
import type { Api, ConnectionState, PeerInfo, TransportKind } from "../../src/contract/types";

export type { Config } from "../../src/contract/config";
export type {
  ErrorCode,
  ErrorDetails,
  NoGMError,
  NoHandlerError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  TransportError,
  UserOfflineError,
  ValidationError,
} from "../../src/contract/errors";
export type {
  CounterSnapshot,
  EventCounts,
  HistogramSnapshot,
  MetricsSnapshotData,
} from "../../src/contract/metrics";
export type { StandardSchemaV1 } from "../../src/contract/schema";
// socketlib's other error names are constants typed by the Socket Manager class each one is (a
// SocketlibTimeoutError is a TimeoutError): reach them through `api.socketlib.errors`.
export type { SocketlibError } from "../../src/contract/socketlib-errors";
export type * from "../../src/contract/types";

/** Any hook name but Socket Manager's, whose callbacks are checked (a wrong one must not fall through to here). */
type OtherHook<H extends string> = H extends keyof SocketManagerHooks ? never : H;
/** Other modules' hooks pass anything; each callback names its own parameter types. */
// biome-ignore lint/suspicious/noExplicitAny: the one way to let a callback declare its parameters' types
type AnyHookCallback = (...args: any[]) => unknown;

declare global {
  /**
   * Socket Manager's hooks, by name: the callback each one gets. Your Foundry typings' `Hooks` is yours, so
   * this is not merged into it by itself; README, "TypeScript", shows how to use it with or without them.
   */
  interface SocketManagerHooks {
    /** Once the transport is chosen (at Foundry's `ready`): the same object as `globalThis.SocketManager`. */
    "socket-manager.ready": (api: Api) => void;
    /** On every change of connection state or transport. */
    "socket-manager.stateChanged": (state: ConnectionState, transport: TransportKind | null) => void;
    /** A client running Socket Manager said hello from a new page session. */
    "socket-manager.peerJoined": (peer: PeerInfo) => void;
    /** A client running Socket Manager left. */
    "socket-manager.peerLeft": (peer: PeerInfo) => void;
  }

  /**
   * Foundry's `Hooks` with Socket Manager's hooks typed and every other hook as loose as it comes. For a project
   * without Foundry typings of its own: `declare const Hooks: SocketManagerTypedHooks;`.
   */
  interface SocketManagerTypedHooks {
    on<K extends keyof SocketManagerHooks>(hook: K, fn: SocketManagerHooks[K]): number;
    on<H extends string>(hook: OtherHook<H>, fn: AnyHookCallback): number;
    once<K extends keyof SocketManagerHooks>(hook: K, fn: SocketManagerHooks[K]): number;
    once<H extends string>(hook: OtherHook<H>, fn: AnyHookCallback): number;
    off<K extends keyof SocketManagerHooks>(hook: K, fn: number | SocketManagerHooks[K]): void;
    off<H extends string>(hook: OtherHook<H>, fn: number | AnyHookCallback): void;
    call(hook: string, ...args: unknown[]): boolean;
    callAll(hook: string, ...args: unknown[]): boolean;
  }

  /**
   * Socket Manager's API, the same object as `game.modules.get("socket-manager").api`. Set during Foundry's
   * `init`: read it in a hook (`init` of a module loaded after Socket Manager, `setup`, `ready`,
   * `socket-manager.ready`), not when your module file loads.
   */
  var SocketManager: Api;
}
