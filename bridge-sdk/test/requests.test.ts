import { describe, expect, it } from "vitest";
import {
  BridgeError,
  NotConnectedError,
  REMOTE_ERROR_CODES,
  RemoteError,
  TimeoutError,
  WorldRequiredError,
} from "../src/index.js";
import { connect, FakeClock, settlesAtOnce, startBridge } from "./helpers.js";

describe("requests", () => {
  it("round trip: the client gets the request and its ok response resolves it", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const answer = bridge.request<{ name: string }>("actor.get", { id: "abc" });
    const request = await client.next("request");
    expect(request).toEqual({
      type: "request",
      id: expect.any(String),
      kind: "actor.get",
      data: { id: "abc" },
    });
    expect(String(request.id).length).toBeLessThanOrEqual(64);
    client.send({ type: "response", id: request.id, ok: true, data: { name: "Hero" } });
    expect(await answer).toEqual({ name: "Hero" });
    expect(bridge.metrics().requests).toEqual({ "actor.get": { ok: 1, failed: 0 } });
  });

  it("sends null for data left out, and reads a missing response data as null", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const answer = bridge.request("noop");
    const request = await client.next("request");
    expect(request.data).toBeNull();
    client.send({ type: "response", id: request.id, ok: true });
    expect(await answer).toBeNull();
  });

  it("uses a different id for every request of a connection", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const answers = [bridge.request("a"), bridge.request("b"), bridge.request("c")];
    const requests = [
      await client.next("request"),
      await client.next("request"),
      await client.next("request"),
    ];
    expect(new Set(requests.map((r) => r.id)).size).toBe(3);
    // Answered out of order: each response settles its own request.
    for (const r of [...requests].reverse())
      client.send({ type: "response", id: r.id, ok: true, data: r.kind });
    expect(await Promise.all(answers)).toEqual(["a", "b", "c"]);
  });

  it("rejects with RemoteError carrying the client's code and message on ok:false", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url, { world: "w1" });
    for (const code of REMOTE_ERROR_CODES) {
      const answer = bridge.request("scene.update", { x: 1 });
      const request = await client.next("request");
      client.send({ type: "response", id: request.id, ok: false, error: { code, message: `no: ${code}` } });
      const error = await answer.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toBeInstanceOf(BridgeError);
      expect(error).toMatchObject({ code, remoteMessage: `no: ${code}`, kind: "scene.update", world: "w1" });
      expect((error as Error).message).toBe(
        `Bridge request "scene.update" to world "w1" failed in Foundry: ${code}: no: ${code}`,
      );
    }
    expect(bridge.metrics().requests["scene.update"]).toEqual({ ok: 0, failed: REMOTE_ERROR_CODES.length });
  });

  it("rejects at once with NotConnectedError when nobody is connected", async () => {
    const clock = new FakeClock();
    const { bridge } = await startBridge({ clock });
    const answer = bridge.request("anything", 1);
    expect(await settlesAtOnce(answer)).toBe(true);
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect((error as Error).message).toBe('Bridge request "anything" failed: no Foundry client is connected');
    expect(clock.pending).toBe(0);
    expect(bridge.metrics().requests).toEqual({ anything: { ok: 0, failed: 1 } });
  });

  it("rejects at once with NotConnectedError naming the world when that world is not connected", async () => {
    const { bridge, url } = await startBridge();
    await connect(url, { world: "here" });
    const answer = bridge.request("x", null, { world: "elsewhere" });
    expect(await settlesAtOnce(answer)).toBe(true);
    await expect(answer).rejects.toThrow(
      'Bridge request "x" to world "elsewhere" failed: world "elsewhere" is not connected (connected: "here")',
    );
    await expect(bridge.ping("elsewhere")).rejects.toBeInstanceOf(NotConnectedError);
  });

  it("fails a pending request with NotConnectedError as soon as its connection closes", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock });
    const client = await connect(url);
    const answer = bridge.request("long.job");
    await client.next("request");
    client.close();
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotConnectedError);
    expect((error as Error).message).toMatch(
      /^Bridge request "long\.job" to world "world-a" failed: .*closed/,
    );
    expect(bridge.connections).toEqual([]);
    // No timer was needed: only the (cleared) request timer ever existed besides pings.
    expect(clock.pending).toBe(0);
  });

  it("rejects with TimeoutError after the timeout (fake clock), and drops the late response", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0 });
    const client = await connect(url);
    const answer = bridge.request("slow");
    const request = await client.next("request");
    let settled = false;
    answer.catch(() => (settled = true));
    clock.advance(9_999);
    await client.sync();
    expect(settled).toBe(false);
    clock.advance(1);
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "TIMEOUT", timeoutMs: 10_000, kind: "slow", world: "world-a" });
    expect((error as Error).message).toBe(
      'Bridge request "slow" to world "world-a" timed out after 10000 ms',
    );

    client.send({ type: "response", id: request.id, ok: true, data: "too late" });
    await client.sync();
    expect(bridge.metrics().dropped).toEqual({ "unknown-response": 1 });
    expect(bridge.metrics().requests).toEqual({ slow: { ok: 0, failed: 1 } });
  });

  it("honours a per-request timeout and the bridge's requestTimeout", async () => {
    const clock = new FakeClock();
    const { bridge, url } = await startBridge({ clock, pingInterval: 0, requestTimeout: 500 });
    const client = await connect(url);
    const short = bridge.request("a", null, { timeout: 50 });
    const byDefault = bridge.request("b");
    await client.next("request");
    await client.next("request");
    clock.advance(50);
    await expect(short).rejects.toMatchObject({ name: "TimeoutError", timeoutMs: 50 });
    clock.advance(449);
    expect(await settlesAtOnce(byDefault)).toBe(false);
    clock.advance(1);
    await expect(byDefault).rejects.toMatchObject({ name: "TimeoutError", timeoutMs: 500 });
  });

  it("with two worlds connected, a request without world rejects naming both; with world it works", async () => {
    const { bridge, url } = await startBridge();
    await connect(url, { world: "alpha" });
    const beta = await connect(url, { world: "beta" });
    const answer = bridge.request("roll", { formula: "1d20" });
    expect(await settlesAtOnce(answer)).toBe(true);
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorldRequiredError);
    expect(error).toMatchObject({ code: "WORLD_REQUIRED", worlds: ["alpha", "beta"] });
    expect((error as Error).message).toBe(
      'Bridge request "roll" needs a world: 2 worlds are connected ("alpha", "beta"); pass { world } to choose one',
    );
    await expect(bridge.ping()).rejects.toBeInstanceOf(WorldRequiredError);

    const targeted = bridge.request("roll", { formula: "1d20" }, { world: "beta" });
    const request = await beta.next("request");
    beta.send({ type: "response", id: request.id, ok: true, data: 17 });
    expect(await targeted).toBe(17);
  });

  it("counts requests by kind, whatever the kind is called", async () => {
    const { bridge, url } = await startBridge();
    const client = await connect(url);
    const answer = bridge.request("__proto__", null);
    const request = await client.next("request");
    expect(request.kind).toBe("__proto__");
    client.send({ type: "response", id: request.id, ok: true, data: 1 });
    expect(await answer).toBe(1);
    await expect(bridge.request("constructor", null, { world: "nowhere" })).rejects.toBeInstanceOf(
      NotConnectedError,
    );
    const { requests } = bridge.metrics();
    expect(Object.keys(requests)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(requests, "__proto__")?.value).toEqual({ ok: 1, failed: 0 });
    expect(requests.constructor).toEqual({ ok: 0, failed: 1 });
  });

  it("refuses what it cannot send: a bad kind, data that is not JSON, a frame over maxFrameBytes", async () => {
    const { bridge, url } = await startBridge({ maxFrameBytes: 1000 });
    const client = await connect(url);
    await expect(bridge.request("")).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(bridge.request("k".repeat(65))).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(bridge.request("big", "x".repeat(1000))).rejects.toMatchObject({
      code: "TOO_LARGE",
      message: expect.stringMatching(/over maxFrameBytes \(1000\)/),
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(bridge.request("cyclic", cyclic)).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(bridge.request("n", 1n)).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await client.sync();
    expect(client.unread).toEqual([]);
  });
});
