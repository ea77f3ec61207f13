/** `api.bridge.connect`, `disconnect` and `emit`'s promise, on the bridge client over a fake WebSocket and clock. */
import { describe, expect, it } from "vitest";
import { checkConnectOptions } from "../../../src/bridge/connect-options";
import { PayloadTooLargeError, TransportError, ValidationError } from "../../../src/contract/errors";
import type { Logger } from "../../../src/log";
import { FakeSocket, flush, setup } from "./fixture";

const OVERRIDE_TOKEN = "session-only-secret";

/** A logger that keeps every line, arguments included, as text. */
function recordingLogger(lines: string[]): Logger {
  const keep =
    (level: string) =>
    (...args: unknown[]) =>
      void lines.push(`${level} ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ")}`);
  return { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") };
}

describe("api.bridge.connect", () => {
  it("connects with a URL and token given for this session when the settings have none", () => {
    const { client, socket, world } = setup();
    world.url = "";
    world.token = "";
    client.refresh();
    expect(client.state).toBe("off");
    client.connect({ url: "ws://127.0.0.1:7/override?key=hidden", token: OVERRIDE_TOKEN });
    expect(client.state).toBe("connecting");
    expect(socket().url).toBe("ws://127.0.0.1:7/override?key=hidden");
    socket().welcome();
    expect(socket().sent[0]).toMatchObject({ type: "hello", token: OVERRIDE_TOKEN });
    expect(client.state).toBe("connected");
    // Shown without its query; the settings themselves were never written.
    expect(client.status().url).toBe("ws://127.0.0.1:7/override");
    expect(JSON.stringify(client.status())).not.toContain(OVERRIDE_TOKEN);
    expect(world).toMatchObject({ url: "", token: "" });
  });

  it("fills what it leaves out from the settings", () => {
    const { client, socket } = setup();
    client.connect({ token: OVERRIDE_TOKEN });
    socket().open();
    expect(socket().url).toBe("ws://127.0.0.1:9/foundry?x=secret");
    expect(socket().sent[0]).toMatchObject({ token: OVERRIDE_TOKEN });
  });

  it("still connects only on the active GM's client, and does so once this client becomes it", () => {
    const { client, world } = setup();
    world.authority = false;
    client.connect({ url: "ws://127.0.0.1:7/x", token: OVERRIDE_TOKEN });
    expect(client.state).toBe("off");
    expect(FakeSocket.made).toHaveLength(0);
    world.authority = true;
    client.refresh();
    expect(FakeSocket.made.map((s) => s.url)).toEqual(["ws://127.0.0.1:7/x"]);
  });

  it("is a no-op while connected with the same URL and token; a new URL replaces the connection", () => {
    const { client, socket } = setup();
    client.refresh();
    socket().welcome();
    const first = socket();
    client.connect();
    expect(FakeSocket.made).toHaveLength(1);
    expect(client.state).toBe("connected");
    client.connect({ url: "ws://127.0.0.1:8/other" });
    expect(first.closed).toEqual({ code: 1000, reason: "closing" });
    expect(FakeSocket.made).toHaveLength(2);
    expect(socket().url).toBe("ws://127.0.0.1:8/other");
    expect(client.state).toBe("connecting");
  });

  it("after a refusal, retries at once with the same settings (an explicit call), and when offline too", () => {
    const { client, socket, clock } = setup();
    client.refresh();
    socket().open();
    socket().drop(4001);
    expect(client.state).toBe("offline");
    client.refresh();
    expect(FakeSocket.made).toHaveLength(1);
    client.connect();
    expect(FakeSocket.made).toHaveLength(2);
    expect(client.state).toBe("connecting");
    // Offline after the attempts ran out: connect() tries now instead of at the next 30 s probe.
    for (let i = 0; i < 6; i++) {
      socket().drop();
      clock.advance(20_000);
    }
    expect(client.state).toBe("offline");
    const made = FakeSocket.made.length;
    client.connect();
    expect(FakeSocket.made).toHaveLength(made + 1);
    expect(client.status().attempts).toBe(0);
  });

  it("refuses bad options with ValidationError naming the bridge, and changes nothing", () => {
    const { client, socket } = setup();
    client.refresh();
    socket().welcome();
    const bad: unknown[] = [
      { url: "http://127.0.0.1:7/" },
      { url: "not a url" },
      { url: 42 },
      { token: "" },
      { token: "x".repeat(4097) },
      { tokn: "typo" },
      "ws://127.0.0.1:7/",
    ];
    for (const opts of bad) {
      let error: unknown;
      try {
        client.connect(opts as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(opts)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).moduleId).toBe("bridge");
    }
    expect(FakeSocket.made).toHaveLength(1);
    expect(client.state).toBe("connected");
  });

  it("never puts the token in an error, a log line or the status", () => {
    const lines: string[] = [];
    const { client, socket, clock } = setup({ log: recordingLogger(lines) });
    const error = (() => {
      try {
        checkConnectOptions({ token: 7 });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain("token must be a string");
    client.connect({ url: "ws://127.0.0.1:7/x", token: OVERRIDE_TOKEN });
    socket().open();
    clock.advance(10_000); // no welcome: hello timeout, logged
    clock.advance(1_000);
    socket().open();
    socket().drop(4001); // refused, logged
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const text of [...lines, JSON.stringify(client.status())])
      expect(text).not.toContain(OVERRIDE_TOKEN);
  });
});

describe("api.bridge.disconnect", () => {
  it("closes, drops what was queued (counted), and stays off through settings changes until connect()", async () => {
    const { client, socket, world, clock } = setup();
    client.refresh();
    socket().welcome();
    socket().drop();
    await client.emit("queued", 1);
    client.disconnect();
    expect(client.state).toBe("off");
    expect(client.status()).toMatchObject({ queued: 0, dropped: { "bridge-off": 1 } });
    clock.advance(120_000);
    world.url = "ws://127.0.0.1:9/changed";
    client.refresh();
    expect(client.state).toBe("off");
    expect(FakeSocket.made).toHaveLength(1);
    client.connect();
    expect(FakeSocket.made.map((s) => s.url)).toEqual([
      "ws://127.0.0.1:9/foundry?x=secret",
      "ws://127.0.0.1:9/changed",
    ]);
  });

  it("forgets connect()'s overrides: the next connect() without options uses the settings", () => {
    const { client, socket } = setup();
    client.connect({ url: "ws://127.0.0.1:7/x", token: OVERRIDE_TOKEN });
    expect(client.status().url).toBe("ws://127.0.0.1:7/x");
    client.disconnect();
    expect(client.status().url).toBe("ws://127.0.0.1:9/foundry");
    client.connect();
    socket().open();
    expect(socket().url).toBe("ws://127.0.0.1:9/foundry?x=secret");
    expect(socket().sent[0]).toMatchObject({ token: "s3cret" });
  });
});

describe("api.bridge.emit's promise", () => {
  it("resolves once queued while reconnecting and once sent while connected", async () => {
    const { client, socket, clock } = setup();
    client.refresh();
    await expect(client.emit("early", 1)).resolves.toBeUndefined();
    expect(client.status().queued).toBe(1);
    socket().welcome();
    await expect(client.emit("later", 2)).resolves.toBeUndefined();
    flush(clock);
    expect(socket().ofType("events")).toHaveLength(1);
    expect(client.status()).toMatchObject({ queued: 0, eventsSent: 2 });
  });

  it("rejects typed when the bridge is off (counted) or the event is refused", async () => {
    const { client, socket } = setup();
    const off = await client.emit("nobody", 1).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(TransportError);
    expect(off).toMatchObject({ moduleId: "bridge", event: "nobody" });
    expect(client.status().dropped["bridge-off"]).toBe(1);
    client.refresh();
    socket().welcome();
    await expect(client.emit("", 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(client.emit("x".repeat(65), 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(client.emit("fn", { f: () => 1 })).rejects.toBeInstanceOf(ValidationError);
    const big = await client.emit("big", "y".repeat(1_100_000)).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(PayloadTooLargeError);
    expect(big).toMatchObject({ moduleId: "bridge", event: "big" });
    expect(client.status().queued).toBe(0);
  });

  it("never throws synchronously, even for a refused event", () => {
    const { client } = setup();
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = client.emit(42 as unknown as string, 1);
    }).not.toThrow();
    return expect(promise).rejects.toBeInstanceOf(ValidationError);
  });
});

it("a client without a WebSocket class stays off after connect(), and its emit rejects", async () => {
  const { client } = setup({ socketClass: () => undefined });
  client.connect({ url: "ws://127.0.0.1:7/x", token: OVERRIDE_TOKEN });
  expect(client.state).toBe("off");
  await expect(client.emit("e", 1)).rejects.toBeInstanceOf(TransportError);
  expect(FakeSocket.made).toHaveLength(0);
});
