/** A Core over fake users, a fake transport that keeps every frame, a manual clock and end-of-task queue. */
import { DEFAULT_CONFIG } from "../../../src/config";
import type { FoundrySocket, FoundryUser } from "../../../src/foundry/types";
import type { Logger } from "../../../src/log";
import { Metrics } from "../../../src/metrics/metrics";
import { readEnvelope } from "../../../src/pipeline/codec";
import type { Envelope, WireFrame } from "../../../src/pipeline/envelope";
import { Outgoing } from "../../../src/pipeline/outgoing";
import type { Core } from "../../../src/services/core";
import { Roster } from "../../../src/services/roster";
import type { Transport } from "../../../src/transports/transport";
import { fakeEnv } from "../fake-env";
import { DeferQueue, FakeClock } from "../support";

export function user(id: string, role: FoundryUser["role"], active = true): FoundryUser {
  return { id, name: id, role, isGM: role >= 3, active };
}

export interface Fixture {
  core: Core;
  clock: FakeClock;
  tasks: DeferQueue;
  users: FoundryUser[];
  /** Every envelope sent so far, read back from the frames. */
  sent(): Envelope[];
  logged: string[];
}

export function fixture(me: string, users: FoundryUser[], socket: FoundrySocket | null = null): Fixture {
  const clock = new FakeClock(1_000_000);
  const tasks = new DeferQueue();
  const frames: object[] = [];
  const transport: Transport = {
    kind: "native",
    connected: true,
    send: (frame) => void frames.push(frame),
    receive: () => {},
    dispose: () => {},
  };
  const logged: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (...a) => void logged.push(a.join(" ")),
    error: (...a) => void logged.push(a.join(" ")),
  };
  const env = fakeEnv({ me, users, socket });
  const metrics = new Metrics(
    () => clock.now(),
    () => true,
    () => {},
  );
  const config = () => DEFAULT_CONFIG;
  const out = new Outgoing({
    session: "mysession",
    clock,
    defer: tasks.defer,
    config,
    counters: metrics.counters,
    transport: () => transport,
    holding: () => false,
    onError: () => {},
  });
  const core: Core = {
    env,
    clock,
    session: "mysession",
    version: "test",
    defer: tasks.defer,
    random: () => 0.5,
    log,
    metrics,
    counters: metrics.counters,
    roster: new Roster(
      () => env.users,
      () => me,
      tasks.defer,
    ),
    out,
    config,
    userId: () => me,
  };
  return {
    core,
    clock,
    tasks,
    users,
    logged,
    sent: () =>
      frames.flatMap((f) =>
        (JSON.parse(JSON.stringify(f)) as WireFrame).e.map((e) => readEnvelope(e)).filter((e) => e !== null),
      ),
  };
}
