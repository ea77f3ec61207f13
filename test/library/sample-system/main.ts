/**
 * A sample game system that bundles Socket Manager (`@socket-manager/library`) instead of requiring the
 * module: what a system author writes. Built by test/library/build.ts with the project's bundler; the test
 * calls `install` with a simulated page's globals, as Foundry would run the file on that page.
 */
import { type Api, type Connection, connectionOf, connectSocketManager } from "@socket-manager/library";

export const ID = "sample-system";

export interface SampleState {
  api: Api | null;
  /** Whether the API is the module's or an embedded instance (asked of the bundled library). */
  connection: Connection | undefined;
  heard: { event: string; data: unknown; from: string }[];
  error: unknown;
}

export function install(globals: { Hooks: { once(name: string, fn: () => unknown): number } }): SampleState {
  const state: SampleState = { api: null, connection: undefined, heard: [], error: null };
  globals.Hooks.once("init", async () => {
    try {
      const sm = await connectSocketManager({ id: ID, scope: "system", globals });
      const channel = sm.channel(ID);
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
