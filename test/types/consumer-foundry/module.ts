/** A module written against its own Foundry typings plus @socket-manager/types. */

import type { Api, Channel } from "@socket-manager/types";
import { expectTypeOf } from "expect-type";
import { z } from "zod";

const Move = z.object({ tokenId: z.string(), x: z.number().int(), y: z.number().int() });
type Move = z.infer<typeof Move>;

interface Events {
  move: Move;
  roll: { data: { formula: string }; result: number };
}

let socket: Channel<Events> | undefined;

Hooks.once("init", () => {});
Hooks.once("socket-manager.ready", (api) => {
  expectTypeOf(api).toEqualTypeOf<Api>();
  socket = api.channel<Events>("my-module");
  // zod's Standard Schema output must be the event's payload type.
  socket.on("move", (move) => expectTypeOf(move).toEqualTypeOf<Move>(), { schema: Move });
  // @ts-expect-error this schema does not produce a Move
  socket.on("move", () => {}, { schema: z.string() });
  socket.handle("roll", ({ formula }) => formula.length, { permission: "player" });

  // On an untyped channel the schema alone types the handler.
  api.channel("my-module-untyped").on("move", (move) => expectTypeOf(move).toEqualTypeOf<Move>(), {
    schema: Move,
  });
});
Hooks.on("socket-manager.stateChanged", (state) => expectTypeOf(state).toBeString());
// The author's hook map now holds Socket Manager's hooks (how strictly a wrongly annotated callback is refused
// is up to the author's own `Hooks`: this one, like most, has a loose overload for any hook name).
expectTypeOf<HookConfig["socket-manager.ready"]>().toEqualTypeOf<(api: Api) => void>();
Hooks.on("updateActor", (actor) => actor.name);

// game.modules.get("socket-manager").api, through the author's registry.
const api = game.modules.get("socket-manager")?.api;
expectTypeOf(api).toEqualTypeOf<Api | undefined>();
expectTypeOf(game.modules.get("other-module")?.api).toBeUnknown();
// ...and the global, which needs no registry.
expectTypeOf(SocketManager).toEqualTypeOf<Api>();

export async function rollOnGM(formula: string): Promise<number | undefined> {
  await socket?.emit("move", { tokenId: "t", x: 1, y: 2 });
  // @ts-expect-error x must be a number
  await socket?.emit("move", { tokenId: "t", x: "1", y: 2 });
  return socket?.request("roll", { formula });
}
