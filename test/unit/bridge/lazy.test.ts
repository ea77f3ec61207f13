import { describe, expect, it, vi } from "vitest";
import { BridgeClient } from "../../../src/bridge/client";
import type { BridgeHost } from "../../../src/bridge/host";
import { LazyBridge } from "../../../src/bridge/lazy";
import { ValidationError } from "../../../src/contract/errors";
import { FakeSocket, setup } from "./fixture";

/** A LazyBridge over a host like the fixture's, whose loader the test releases by hand. */
function lazyOver() {
  const { clock, world } = setup();
  const track = vi.fn();
  const host: BridgeHost = {
    clock: Object.assign(clock, { track }),
    log: { debug() {}, info() {}, warn() {}, error: vi.fn() },
    limits: () => ({
      maxReconnectionAttempts: 5,
      initialReconnectionDelay: 1000,
      maxReconnectionDelay: 30_000,
      heartbeatInterval: 0,
    }),
    url: () => world.url,
    token: () => world.token,
    isAuthority: () => world.authority,
    hello: () => ({ world: "w1", user: "gm", module: "1.2.3" }),
    socketClass: () => FakeSocket,
    notify: () => {},
    random: () => 0,
  };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const made: BridgeClient[] = [];
  const lazy = new LazyBridge(host, async (h, handlers) => {
    await gate;
    const client = new BridgeClient(h, handlers);
    made.push(client);
    return client;
  });
  // setup() opened nothing; sockets counted from here are the lazy bridge's.
  FakeSocket.made = [];
  return { lazy, release, made, track, world };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("LazyBridge: the bridge client loads on first use", () => {
  it("stays unloaded and off where the bridge has nothing to do, keeping handlers and listeners", () => {
    const { lazy, world, track } = lazyOver();
    world.authority = false;
    const off = lazy.handlers.add("actor-names", () => []);
    lazy.refresh();
    expect(lazy.loaded).toBe(false);
    expect(track).not.toHaveBeenCalled();
    expect(lazy.state).toBe("off");
    expect(lazy.status()).toMatchObject({ state: "off", url: "", handlers: ["actor-names"], queued: 0 });
    off();
    expect(lazy.status().handlers).toEqual([]);
  });

  it("loads when the settings say this client should connect, and the client keeps the registered handlers", async () => {
    const { lazy, release, made, track } = lazyOver();
    lazy.handlers.add("actor-names", () => ["Aria"]);
    const states: string[] = [];
    lazy.onStateChange((s) => states.push(s));
    lazy.refresh();
    expect(track).toHaveBeenCalledTimes(1);
    release();
    await settle();
    expect(lazy.loaded).toBe(true);
    expect(made).toHaveLength(1);
    expect(made[0]?.handlers).toBe(lazy.handlers);
    expect(lazy.state).toBe("connecting");
    expect(states).toEqual(["connecting"]);
    expect(FakeSocket.made).toHaveLength(1);
    // A second refresh goes to the loaded client; nothing loads twice.
    lazy.refresh();
    expect(made).toHaveLength(1);
  });

  it("connect() checks its options at once, then loads and connects", async () => {
    const { lazy, release, world } = lazyOver();
    world.url = "";
    expect(() => lazy.connect({ url: "http://example.test" })).toThrow(ValidationError);
    expect(lazy.loaded).toBe(false);
    lazy.connect({ url: "ws://127.0.0.1:9/b" });
    release();
    await settle();
    expect(lazy.state).toBe("connecting");
    expect(FakeSocket.made.at(-1)?.url).toContain("ws://127.0.0.1:9/b");
  });

  it("emit() while unloaded loads the client and answers as it does: off rejects typed", async () => {
    const { lazy, release, world } = lazyOver();
    world.authority = false;
    const sent = lazy.emit("round", { n: 1 });
    release();
    await expect(sent).rejects.toMatchObject({ name: "TransportError" });
    expect(lazy.loaded).toBe(true);
    expect(lazy.status().dropped).toMatchObject({ "bridge-off": 1 });
  });

  it("disposed while loading: the client is disposed as it arrives and never connects", async () => {
    const { lazy, release } = lazyOver();
    lazy.refresh();
    lazy.dispose();
    release();
    await settle();
    expect(lazy.loaded).toBe(false);
    expect(FakeSocket.made).toHaveLength(0);
  });
});
