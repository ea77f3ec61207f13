/** The hook, the global and the errors, in a project with no Foundry typings (see globals.d.ts). */
import { expectTypeOf } from "expect-type";
import type {
  Api,
  Config,
  ConnectionState,
  PeerInfo,
  SocketManagerError,
  TimeoutError,
  TransportKind,
} from "../../../dist/socket-manager";
// The error classes are types: the package ships no code, their values are `api.errors.*`.
// @ts-expect-error TimeoutError is exported as a type only, so it cannot be imported as a value
import { TimeoutError as TimeoutErrorValue } from "../../../dist/socket-manager";

// @ts-expect-error nor used as one
export const isTimeout = (e: unknown) => e instanceof TimeoutErrorValue;

Hooks.once("socket-manager.ready", (api) => {
  expectTypeOf(api).toEqualTypeOf<Api>();
  api.channel("my-module").on("ping", () => {});
});
Hooks.on("socket-manager.stateChanged", (state, transport) => {
  expectTypeOf(state).toEqualTypeOf<ConnectionState>();
  expectTypeOf(transport).toEqualTypeOf<TransportKind | null>();
});
const id = Hooks.on("socket-manager.peerJoined", (peer) => expectTypeOf(peer).toEqualTypeOf<PeerInfo>());
Hooks.off("socket-manager.peerJoined", id);
Hooks.on("socket-manager.peerLeft", (peer) => peer.userId);
// Every other hook takes any callback.
Hooks.once("init", () => {});
Hooks.on("updateActor", (actor: { name: string }, changes: Record<string, unknown>) => [actor, changes]);
Hooks.callAll("my-module.something", 1, 2);
// @ts-expect-error Socket Manager's hooks are checked: the ready hook passes the API
Hooks.once("socket-manager.ready", (api: number) => api);
// @ts-expect-error and so is the state hook
Hooks.on("socket-manager.stateChanged", (state: number) => state);

// globalThis.SocketManager is the same API, typed.
expectTypeOf(SocketManager).toEqualTypeOf<Api>();
expectTypeOf(globalThis.SocketManager).toEqualTypeOf<Api>();
expectTypeOf(SocketManager.channel("x").moduleId).toBeString();
expectTypeOf(SocketManager.config()).toEqualTypeOf<Readonly<Config>>();

// Errors: `instanceof api.errors.X` narrows to the exported types.
async function failing(api: Api): Promise<void> {
  try {
    await api.channel("my-module").request("roll", {});
  } catch (e) {
    if (e instanceof api.errors.TimeoutError) {
      expectTypeOf(e).toEqualTypeOf<TimeoutError>();
      expectTypeOf(e.missing).toEqualTypeOf<readonly string[]>();
    }
    if (e instanceof api.errors.SocketManagerError) expectTypeOf(e).toExtend<SocketManagerError>();
    if (e instanceof api.socketlib.errors.SocketlibTimeoutError) expectTypeOf(e).toExtend<TimeoutError>();
    if (e instanceof api.errors.RemoteHandlerError) expectTypeOf(e.remoteMessage).toBeString();
  }
}
void failing;

// configure() takes a partial Config and checks option names.
SocketManager.configure({ batchTimeout: 50 });
// @ts-expect-error not an option
SocketManager.configure({ batchTimout: 50 });
