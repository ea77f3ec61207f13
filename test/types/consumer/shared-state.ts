/** Shared state as a module author types it: `channel.shared<T>` on untyped and typed channels, and `api.shared()`. */
import { expectTypeOf } from "expect-type";
import type {
  Api,
  FoundryUser,
  SharedChange,
  SharedInfo,
  SharedProposal,
  SharedState,
  StandardSchemaV1,
} from "../../../dist/socket-manager";

declare const api: Api;

interface Tracker {
  round: number;
  turn: number;
  combatants: { id: string; initiative: number }[];
}

const tracker = api.channel("my-module").shared<Tracker>("tracker", {
  initial: { round: 1, turn: 0, combatants: [] },
  write: "player",
  persist: true,
  patchRate: 0,
  maxBytes: 100_000,
  maxPatchBytes: 10_000,
});
expectTypeOf(tracker).toEqualTypeOf<SharedState<Tracker>>();
expectTypeOf(tracker.value).toEqualTypeOf<Tracker>();
expectTypeOf(tracker.version).toBeNumber();
expectTypeOf(tracker.synced).toBeBoolean();
const off = tracker.subscribe((value, change) => {
  expectTypeOf(value).toEqualTypeOf<Tracker>();
  expectTypeOf(change).toEqualTypeOf<SharedChange>();
  expectTypeOf(change.version).toBeNumber();
});
expectTypeOf(off).toEqualTypeOf<() => void>();
expectTypeOf(
  tracker.update((draft) => {
    draft.round++;
  }),
).toEqualTypeOf<Promise<number>>();
void tracker.set({ round: 2 });
// @ts-expect-error not a key of Tracker
void tracker.set({ rounds: 2 });

// The state's type is inferred from `initial`.
const inferred = api.channel("my-module").shared("inferred", { initial: { n: 0, names: ["a"] } });
expectTypeOf(inferred.value).toEqualTypeOf<{ n: number; names: string[] }>();

// A write predicate sees the server-stamped sender and the change, typed.
api.channel("my-module").shared<Tracker>("guarded", {
  initial: { round: 1, turn: 0, combatants: [] },
  write: (sender, change) => {
    expectTypeOf(sender).toEqualTypeOf<FoundryUser>();
    expectTypeOf(change).toEqualTypeOf<SharedProposal<Tracker>>();
    return sender.isGM || change.value.round === change.previous.round;
  },
});
// @ts-expect-error "owner" is not a role
api.channel("my-module").shared("bad-write", { initial: 0, write: "owner" });
// @ts-expect-error `initial` is required
api.channel("my-module").shared("no-initial", {});

// A schema must produce the state's type.
declare const Count: StandardSchemaV1<unknown, number>;
const count = api.channel("my-module").shared("count", { initial: 0, schema: Count });
expectTypeOf(count.value).toBeNumber();
void count.set(5); // a state that is not a plain object is replaced
// @ts-expect-error the schema produces numbers, the state holds strings
api.channel("my-module").shared<string>("label", { initial: "a", schema: Count });

// Typed channels have it too: state keys are not events.
interface Events {
  ping: undefined;
}
const typed = api.channel<Events>("my-module").shared("typed", { initial: [1, 2, 3] });
expectTypeOf(typed.value).toEqualTypeOf<number[]>();
void typed.set([4]);

expectTypeOf(api.shared()).toEqualTypeOf<SharedInfo[]>();
expectTypeOf<SharedInfo["bytes"]>().toBeNumber();
