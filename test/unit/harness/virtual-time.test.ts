/** The in-memory world's clock: order, waits that stop at the right moment, and the free run. */
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireVirtualClock,
  activeVirtualClock,
  releaseVirtualClock,
  VirtualClock,
} from "../../harness/virtual-time";
import { sleep, waitFor, withTimeout } from "../../harness/wait";

describe("VirtualClock", () => {
  it("runs timers by due time, ties in the order they were set, and skips cleared ones", async () => {
    const clock = new VirtualClock(1000);
    const ran: string[] = [];
    clock.setTimeout(() => ran.push("b@20"), 20);
    clock.setTimeout(() => ran.push("a@10"), 10);
    clock.setTimeout(() => ran.push("c@20"), 20);
    const cleared = clock.setTimeout(() => ran.push("never"), 5);
    clock.clearTimeout(cleared);
    await clock.advance(20);
    expect(ran).toEqual(["a@10", "b@20", "c@20"]);
    expect(clock.now()).toBe(1020);
    expect(clock.pending).toBe(0);
  });

  it("drains microtasks between two timers", async () => {
    const clock = new VirtualClock(0);
    const ran: string[] = [];
    clock.setTimeout(() => {
      ran.push("first");
      void Promise.resolve().then(() => ran.push("its microtask"));
    }, 1);
    clock.setTimeout(() => ran.push("second"), 1);
    await clock.advance(1);
    expect(ran).toEqual(["first", "its microtask", "second"]);
  });

  it("until stops at the first moment the condition holds", async () => {
    const clock = new VirtualClock(0);
    let count = 0;
    for (let i = 1; i <= 10; i++) clock.setTimeout(() => count++, i * 100);
    await clock.until(() => count === 3);
    expect(clock.now()).toBe(300);
    expect(clock.pending).toBe(7);
  });

  it("until fails after its virtual deadline, or at once when nothing is left to happen", async () => {
    const clock = new VirtualClock(0);
    clock.setTimeout(() => {}, 5000);
    await expect(clock.until(() => false, { within: 1000, message: "never" })).rejects.toThrow(
      "waited 1000 virtual ms in vain: never",
    );
    expect(clock.now()).toBe(1000);
    const idle = new VirtualClock(0);
    await expect(idle.until(() => false)).rejects.toThrow("nothing was left to happen");
  });

  it("waits for tracked real work before running any timer (a chunk loading on first use)", async () => {
    const clock = new VirtualClock(0);
    let loaded = false;
    let release: () => void = () => {};
    const work = new Promise<void>((resolve) => {
      release = () => {
        loaded = true;
        resolve();
      };
    });
    clock.track(work);
    // Real time passes for the work while virtual time stands still.
    setTimeout(release, 30);
    const seenAtTimeout: boolean[] = [];
    clock.setTimeout(() => seenAtTimeout.push(loaded), 30_000);
    await clock.until(() => loaded, { within: 10 });
    expect(clock.now()).toBe(0);
    await clock.advance(30_000);
    expect(seenAtTimeout).toEqual([true]);
  });

  it("runs on by itself once started, so a plain await of a timed promise settles", async () => {
    const clock = new VirtualClock(0);
    clock.start();
    try {
      const at = await new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 60_000));
      expect(at).toBe(60_000);
    } finally {
      clock.stop();
    }
  });
});

describe("the harness's waits under an in-memory world", () => {
  afterEach(() => {
    const clock = activeVirtualClock();
    if (clock) releaseVirtualClock(clock);
  });

  it("waitFor, sleep and withTimeout move the shared virtual clock instead of the machine's", async () => {
    const clock = acquireVirtualClock();
    const start = clock.now();
    let flag = false;
    clock.setTimeout(() => {
      flag = true;
    }, 30_000);
    await waitFor(() => flag, { timeout: 60_000 });
    expect(clock.now() - start).toBe(30_000);
    await sleep(10_000);
    expect(clock.now() - start).toBe(40_000);
    const never = new Promise<never>(() => {});
    await expect(withTimeout(never, 5000, "the answer")).rejects.toThrow("the answer timed out");
    expect(clock.now() - start).toBe(45_000);
    releaseVirtualClock(clock);
    expect(activeVirtualClock()).toBeNull();
  });
});
