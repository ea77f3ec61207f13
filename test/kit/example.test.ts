import { type Api, type ClientGlobals, createTestWorld, type TestWorld } from "@socket-manager/testing";
import { afterEach, expect, it } from "vitest";

const users = [
  { id: "gm", name: "Game Master", role: 4 },
  { id: "alice", name: "Alice", role: 1 },
  { id: "bob", name: "Bob", role: 1 },
] as const;

/** The module under test: a player asks the GM for a roll; the GM rolls and tells everyone. */
function diceRoller(globals: ClientGlobals): void {
  globals.Hooks.once("socket-manager.ready", (api: Api) => {
    const dice = api.channel("dice-roller");
    dice.handle("roll", async (sides: number, ctx) => {
      const value = (ctx.sender.name.length % sides) + 1;
      await dice.emit("rolled", { by: ctx.sender.name, value }, { to: "all" });
      return value;
    });
  });
}

let world: TestWorld;
afterEach(() => world.close());

it("a player's roll is made by the GM and announced to everyone", async () => {
  world = await createTestWorld({ users, module: diceRoller });
  const seen: string[] = [];
  world
    .client("bob")
    .api.channel("dice-roller")
    .on("rolled", (roll: { by: string; value: number }) => seen.push(`${roll.by} rolled ${roll.value}`));

  const value = await world.client("alice").api.channel("dice-roller").request<number>("roll", 6);

  await world.delivered("gm");
  expect(value).toBe(6);
  expect(seen).toEqual(["Alice rolled 6"]);
});

it("without a GM the request fails at once with NoGMError; it works again when a GM joins", async () => {
  world = await createTestWorld({ users, module: diceRoller, connect: ["alice", "bob"] });
  const alice = world.client("alice").api;

  await expect(alice.channel("dice-roller").request("roll", 6)).rejects.toBeInstanceOf(
    alice.errors.NoGMError,
  );

  await world.join("gm");
  await world.until(() => alice.peers().some((peer) => peer.userId === "gm" && peer.hasModule));
  await expect(alice.channel("dice-roller").request("roll", 6)).resolves.toBe(6);
});

it("a player cut off for 10 s reloads (as in Foundry), and the module works on the new page", async () => {
  world = await createTestWorld({ users, module: diceRoller });

  world.cut("alice", 10_000);
  await world.until(() => world.reloads === 1, 30_000);
  await world.until(() => world.client("alice").api.state === "connected");

  await expect(world.client("alice").api.channel("dice-roller").request("roll", 6)).resolves.toBe(6);
});
