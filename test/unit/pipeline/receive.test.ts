/** The receive path on its own: what an accepted envelope carries of the frame it came in. */
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_CONFIG } from "../../../src/config";
import type { FoundryUser } from "../../../src/foundry/types";
import { Metrics } from "../../../src/metrics/metrics";
import { type Accepted, ReceivePath } from "../../../src/pipeline/receive";
import type { IncomingFrame } from "../../../src/transports/transport";
import { FakeClock } from "../support";

const users: FoundryUser[] = [
  { id: "gm", name: "GM", role: 4, isGM: true, active: true },
  { id: "p1", name: "Player", role: 1, isGM: false, active: true },
];

function path() {
  const clock = new FakeClock(1_000_000);
  const accepted: Accepted[] = [];
  const metrics = new Metrics(
    () => clock.now(),
    () => true,
    () => {},
  );
  const receive = new ReceivePath({
    clock,
    config: () => DEFAULT_CONFIG,
    counters: metrics.counters,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    userId: () => "gm",
    user: (id) => users.find((u) => u.id === id),
    accept: (m) => void accepted.push(m),
  });
  return { clock, receive, accepted };
}

describe("ReceivePath", () => {
  it("an accepted envelope keeps who sent it, how and when, but not its frame (a held one must not pin 1 MB)", () => {
    const { clock, receive, accepted } = path();
    const padding = "x".repeat(100_000);
    const raw = {
      v: 1,
      s: "their-session",
      e: [
        [1, 1, "demo", "ask", clock.now(), { t: ["gm"] }, "?"],
        [2, 0, "demo", "news", clock.now(), { t: ["someone-else"] }, padding],
      ],
    };
    const frame: IncomingFrame = { raw, senderId: "p1", via: "native", simulated: false };
    receive.receive(frame);
    expect(accepted).toHaveLength(1);
    const from = accepted[0]?.from;
    expect(from).toMatchObject({
      session: "their-session",
      via: "native",
      simulated: false,
      receivedAt: 1_000_000,
    });
    expect(from?.sender.id).toBe("p1");
    for (const value of Object.values(from ?? {})) {
      expect(value).not.toBe(frame);
      expect(value).not.toBe(raw);
    }
  });

  it("a frame costs a duplicate window only once it carries an envelope for this client", () => {
    const { clock, receive, accepted } = path();
    const windows = vi.spyOn(receive.checks, "window");
    const send = (session: string, e: unknown[]) =>
      receive.receive({ raw: { v: 1, s: session, e }, senderId: "p1", via: "native", simulated: false });
    // A new session in every frame: empty ones, and ones for somebody else.
    for (let i = 0; i < 100; i++) send(`empty-${i}`, []);
    for (let i = 0; i < 100; i++) send(`other-${i}`, [[1, 0, "demo", "e", clock.now(), { t: ["p2"] }, 1]]);
    expect(windows).not.toHaveBeenCalled();
    send("mine", [
      [1, 0, "demo", "e", clock.now(), 0, 1],
      [2, 0, "demo", "e", clock.now(), 0, 2],
      [2, 0, "demo", "e", clock.now(), 0, 2],
    ]);
    expect(windows).toHaveBeenCalledTimes(1);
    // The one window serves the whole frame: the repeat is caught.
    expect(accepted.map((a) => a.env.d)).toEqual([1, 2]);
  });
});
