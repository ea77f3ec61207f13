/**
 * Typed channels as a module author writes them, against the shipped declarations only. Every
 * `@ts-expect-error` line must fail to compile (an unused one is itself an error), so a regression that
 * loosens a type — say to `unknown` or `any` — breaks this file.
 */
import { expectTypeOf } from "expect-type";
import type {
  Api,
  Channel,
  EmitReport,
  MessageContext,
  RequestResult,
  StandardSchemaV1,
  TypedChannel,
} from "../../../dist/socket-manager";

interface Token {
  id: string;
  x: number;
  y: number;
}

interface MyEvents {
  /** Messages: event → payload. */
  move: Token;
  ping: { at: number };
  chat: string;
  /** A message with no payload. */
  refresh: undefined;
  /** Requests: event → { data, result }. */
  roll: { data: { formula: string }; result: number };
  whoami: { data: undefined; result: { userId: string } };
}

declare const api: Api;
const socket = api.channel<MyEvents>("my-module");
expectTypeOf(socket).toEqualTypeOf<TypedChannel<MyEvents>>();
expectTypeOf(socket).toEqualTypeOf<Channel<MyEvents>>();

// --- on / once: the handler's payload comes from the map --------------------------------------------
socket.on("move", (token, ctx) => {
  expectTypeOf(token).toEqualTypeOf<Token>();
  expectTypeOf(ctx).toEqualTypeOf<MessageContext>();
});
socket.once("ping", (data) => expectTypeOf(data).toEqualTypeOf<{ at: number }>());
socket.on("chat", (text) => text.toUpperCase(), { permission: "player" });
const off = socket.on("refresh", (nothing) => expectTypeOf(nothing).toEqualTypeOf<undefined>());
expectTypeOf(off).toEqualTypeOf<() => void>();
// @ts-expect-error an event not in the map
socket.on("mvoe", () => {});
// @ts-expect-error a request is answered with handle(), not on()
socket.on("roll", () => {});
// @ts-expect-error the handler expects another payload
socket.on("chat", (n: number) => n);
// @ts-expect-error an event not in the map
socket.once("nope", () => {});

// A schema must produce the event's payload type.
declare const TokenSchema: StandardSchemaV1<unknown, Token>;
declare const NumberSchema: StandardSchemaV1<unknown, number>;
socket.on("move", (token) => token.x, { schema: TokenSchema });
// @ts-expect-error this schema produces numbers, the event carries tokens
socket.on("move", () => {}, { schema: NumberSchema });

// --- off ------------------------------------------------------------------------------------------
socket.off("move");
socket.off("move", (token: Token) => token);
// @ts-expect-error an event not in the map
socket.off("nope");

// --- emit: payloads are checked, an optional payload may be left out --------------------------------
expectTypeOf(socket.emit("move", { id: "t1", x: 1, y: 2 })).toEqualTypeOf<Promise<EmitReport>>();
void socket.emit("ping", { at: Date.now() }, { to: "gm", priority: "high" });
void socket.emit("chat", "hello", { to: ["user1", "user2"], reliable: true });
void socket.emit("refresh");
void socket.emit("refresh", undefined, { to: "all" });
// @ts-expect-error a wrong payload
void socket.emit("move", { id: "t1", x: "1", y: 2 });
// @ts-expect-error a missing field
void socket.emit("move", { id: "t1", x: 1 });
// @ts-expect-error a payload is required
void socket.emit("chat");
// @ts-expect-error an event not in the map
void socket.emit("chta", "hello");
// @ts-expect-error a request is sent with request(), not emit()
void socket.emit("roll", { formula: "1d20" });
// @ts-expect-error an unknown target
void socket.emit("chat", "hi", { to: "everyone" });

// --- handle: the responder gets the data and must return the result ---------------------------------
socket.handle("roll", (data, ctx) => {
  expectTypeOf(data).toEqualTypeOf<{ formula: string }>();
  expectTypeOf(ctx.senderId).toBeString();
  return data.formula.length;
});
socket.handle("roll", async () => 20, { permission: "gm" });
socket.handle("whoami", (_data, ctx) => ({ userId: ctx.senderId }));
// @ts-expect-error the result must be a number
socket.handle("roll", () => "twenty");
// @ts-expect-error the result must be a number, asynchronously too
socket.handle("roll", async () => "twenty");
// @ts-expect-error a message has no responder
socket.handle("chat", () => 1);
// @ts-expect-error an event not in the map
socket.handle("rol", () => 1);

// --- request / requestAll: data checked, result typed ------------------------------------------------
async function asking(): Promise<void> {
  const total = await socket.request("roll", { formula: "1d20" });
  expectTypeOf(total).toEqualTypeOf<number>();
  const me = await socket.request("whoami");
  expectTypeOf(me).toEqualTypeOf<{ userId: string }>();
  await socket.request("roll", { formula: "2d6" }, { to: "gm", timeout: 5000 });
  await socket.request("roll", { formula: "2d6" }, { to: "someUserId" });
  const all = await socket.requestAll("roll", { formula: "1d4" }, { to: "gms" });
  expectTypeOf(all).toEqualTypeOf<Map<string, RequestResult<number>>>();
  for (const [, answer] of all) if (answer.ok) expectTypeOf(answer.value).toEqualTypeOf<number>();

  // @ts-expect-error the data is wrong
  await socket.request("roll", { formula: 20 });
  // @ts-expect-error the data is required
  await socket.request("roll");
  // @ts-expect-error a message is not a request
  await socket.request("chat", "hello");
  // @ts-expect-error an event not in the map
  await socket.requestAll("nope", {});
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await socket.request("roll", { formula: "1d20" });
  void wrong;
  // @ts-expect-error requestAll has no "gm" target
  await socket.requestAll("roll", { formula: "1d4" }, { to: "gm" });
}
void asking;

// --- everything else is as on any channel ---------------------------------------------------------
expectTypeOf(socket.moduleId).toBeString();
socket.onPeer("ready", (peer) => expectTypeOf(peer.userId).toBeString());
socket.dispose();
