/**
 * What the sample system and module (test/library/sample-*) do with the Socket Manager they bundle: what a
 * package author writes. Each sample's main.ts calls it with its own id and scope; the test runs `install`
 * with a simulated page's globals, as Foundry would run the package's file on that page.
 */
import { type Api, type Connection, connectionOf, connectSocketManager } from "@socket-manager/library";

export interface SampleState {
  api: Api | null;
  /** Whether the API is the module's or an embedded instance (asked of the bundled library). */
  connection: Connection | undefined;
  heard: { event: string; data: unknown; from: string }[];
  error: unknown;
}

export type Globals = { Hooks: { once(name: string, fn: () => unknown): number } };

export function installSample(globals: Globals, id: string, scope: "module" | "system"): SampleState {
  const state: SampleState = { api: null, connection: undefined, heard: [], error: null };
  globals.Hooks.once("init", async () => {
    try {
      const sm = await connectSocketManager({ id, scope, globals });
      const channel = sm.channel(id);
      channel.on("ping", (data, ctx) => void state.heard.push({ event: "ping", data, from: ctx.senderId }));
      channel.on("note", (data, ctx) => void state.heard.push({ event: "note", data, from: ctx.senderId }));
      channel.handle("roll", (data: { dice: number }, ctx) => ({ total: data.dice * 3, by: ctx.senderId }));
      channel.handle("gm-secret", () => "only a GM may ask", { permission: "gm" });
      state.api = sm;
      state.connection = connectionOf(sm);
    } catch (e) {
      state.error = e;
    }
  });
  return state;
}
