/** Without an event map a channel works as it always did: string events, `unknown` payloads unless given. */
import { expectTypeOf } from "expect-type";
import type {
  Api,
  Channel,
  RequestOptions,
  RequestResult,
  StandardSchemaV1,
  UntypedChannel,
} from "../../../dist/socket-manager";

declare const api: Api;
const socket = api.channel("my-module");
expectTypeOf(socket).toEqualTypeOf<UntypedChannel>();
expectTypeOf(socket).toEqualTypeOf<Channel>();

socket.on("anything", (data, ctx) => {
  expectTypeOf(data).toBeUnknown();
  expectTypeOf(ctx.sender.isGM).toBeBoolean();
});
// An explicit payload type, as before typed channels.
socket.on<{ x: number }>("move", (data) => expectTypeOf(data).toEqualTypeOf<{ x: number }>());
socket.once("anything", (data: { y: number }) => data.y);
void socket.emit("anything", { free: "form" });
void socket.emit("anything");

// A schema gives the handler its output type.
declare const Move: StandardSchemaV1<{ x: string }, { x: number }>;
socket.on("move", (move) => expectTypeOf(move).toEqualTypeOf<{ x: number }>(), { schema: Move });
socket.once("move", (move) => expectTypeOf(move).toEqualTypeOf<{ x: number }>(), { schema: Move });
socket.handle(
  "double",
  (move) => {
    expectTypeOf(move).toEqualTypeOf<{ x: number }>();
    return move.x * 2;
  },
  { schema: Move, permission: "trusted" },
);
// @ts-expect-error the schema's output has no `y`
socket.on("move", (move) => move.y, { schema: Move });
// A schema that declares no types gives `unknown`.
declare const Opaque: StandardSchemaV1;
socket.on("raw", (raw) => expectTypeOf(raw).toBeUnknown(), { schema: Opaque });

async function asking(): Promise<void> {
  const n = await socket.request<number>("double", { x: 2 });
  expectTypeOf(n).toEqualTypeOf<number>();
  expectTypeOf(await socket.request("double", 1)).toBeUnknown();
  const all = await socket.requestAll<string>("who", null, { to: "others" });
  expectTypeOf(all).toEqualTypeOf<Map<string, RequestResult<string>>>();
  // @ts-expect-error request() goes to "gm" or one user, not to a list
  await socket.request("double", 1, { to: ["a", "b"] });
}
void asking;

// RequestOptions.to keeps its "gm" literal (a plain `"gm" | string` collapses to `string`).
type RequestTarget = NonNullable<RequestOptions["to"]>;
expectTypeOf<Extract<RequestTarget, "gm">>().toEqualTypeOf<"gm">();
expectTypeOf<"gm">().toExtend<RequestTarget>();
expectTypeOf<"some-user-id">().toExtend<RequestTarget>();
