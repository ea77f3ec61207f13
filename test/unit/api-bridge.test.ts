/** An API built without the module's entry (tests, the library's embedded instances) has a bridge that stays off. */
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api";
import { SocketManager } from "../../src/manager";
import { fakeEnv } from "./fake-env";
import { DeferQueue, FakeClock } from "./support";
import { fakeSocket } from "./transports/fake-socket";

describe("the bridge of an API built without the module's entry", () => {
  it("stays off: emit rejects with a TransportError naming the module, connect logs why, handlers still register", async () => {
    const errors: unknown[][] = [];
    const manager = new SocketManager({
      env: fakeEnv({
        me: "gm",
        users: [{ id: "gm", name: "GM", role: 4, isGM: true, active: true }],
        socket: fakeSocket(),
      }),
      clock: new FakeClock(1_000_000),
      defer: new DeferQueue().defer,
      config: { heartbeatInterval: 0 },
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (...a) => void errors.push(a) },
    });
    const api = createApi(manager);
    const off = api.bridge.handle("echo", (d) => d);
    expect(api.bridge.status().handlers).toEqual(["echo"]);
    off();
    await expect(api.bridge.emit("tick", 1)).rejects.toMatchObject({
      name: "TransportError",
      message: expect.stringContaining("the bridge needs the Socket Manager module"),
    });
    api.bridge.connect({ url: "ws://127.0.0.1:1/", token: "t" });
    for (let i = 0; i < 10 && errors.length === 0; i++) await Promise.resolve();
    expect(String(errors[0]?.[1])).toContain("the bridge needs the Socket Manager module");
    expect(api.bridge.state).toBe("off");
  });
});
