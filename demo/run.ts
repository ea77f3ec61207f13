/**
 * `npm run demo`: the built bundle (dist/socket-manager.js) in three simulated Foundry clients, each its own
 * process, talking through a socket.io relay with Foundry's semantics. Exits 0 when every step behaved as
 * expected, 1 with a clear message otherwise; never runs longer than 60 s.
 */
import { fileURLToPath } from "node:url";
import type { UserSpec } from "../test/harness/client";
import { type Relay, startRelay } from "../test/harness/relay";
import { sleep } from "../test/harness/wait";
import type { ErrorInfo, RequestOutcome, SeenRecord } from "./protocol";
import { type ClientProcess, spawnClient } from "./spawn";

const HARD_TIMEOUT = 60_000;
const SEEN_TIMEOUT = 5_000;
const MODULE = "demo-table";
const DICE_ROUNDS = 20;
const BUNDLE = fileURLToPath(new URL("../dist/socket-manager.js", import.meta.url));

const GM: UserSpec = { id: "gm", name: "Gamemaster", role: 4 };
const P1: UserSpec = { id: "p1", name: "Player One", role: 1 };
const P2: UserSpec = { id: "p2", name: "Player Two", role: 1 };
const USERS = [GM, P1, P2];
const nameOf = (id: string) => USERS.find((u) => u.id === id)?.name ?? id;

let relay: Relay | null = null;
const clients: ClientProcess[] = [];

// ---- output helpers -------------------------------------------------------------------------------------

const out = (line = "") => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${n.toFixed(2)} ms`;
/** ctx.latencyMs comes from Date.now() stamps: whole milliseconds unless a clock offset was applied. */
const latency = (n: number) => (Number.isInteger(n) ? `${n} ms` : ms(n));

function heading(n: number | string, title: string): void {
  out();
  out(`${n}. ${title}`);
}

/** Columns aligned; a column whose every cell looks numeric is right-aligned. */
function table(headers: string[], rows: string[][], indent = "   "): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[\d.,\s]+(ms)?$/.test(r[i] ?? "")),
  );
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  out(line(headers));
  out(indent + widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) out(line(r));
}

function fail(message: string): never {
  throw new Error(message);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

// ---- steps ----------------------------------------------------------------------------------------------

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null>,
  timeout = SEEN_TIMEOUT,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) fail(`timed out after ${timeout} ms waiting until ${what}`);
    await sleep(20);
  }
}

async function seenBy(client: ClientProcess, event: string): Promise<SeenRecord[]> {
  return (await client.send("seen", {})).filter((r) => r.event === event);
}

function errorLabel(e: ErrorInfo): string {
  return e.errorClass ?? e.code ?? e.name;
}

function describeOutcome(o: RequestOutcome): string {
  if (o.ok) return `answered ${JSON.stringify(o.value)}`;
  return `${errorLabel(o.error)}: ${o.error.message}`;
}

function dropped(metrics: Record<string, unknown>): string {
  const total = Number(metrics.droppedTotal ?? 0);
  const reasons = Object.entries((metrics.dropped ?? {}) as Record<string, number>)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  return reasons.length > 0 ? `${total} (${reasons.join(", ")})` : String(total);
}

async function main(): Promise<void> {
  out("Socket Manager demo: the built bundle in three simulated Foundry clients");
  out("=========================================================================");

  relay = await startRelay();
  out(`Relay (Foundry server stand-in): ${relay.url}`);
  out(`Bundle: ${BUNDLE}`);

  // The GM first, so that the players find an active GM at once.
  for (const user of USERS) {
    clients.push(await spawnClient({ url: relay.url, user, users: USERS, bundle: BUNDLE }));
  }
  const [gm, p1, p2] = clients as [ClientProcess, ClientProcess, ClientProcess];

  // Everyone sees everyone (presence) before the script starts.
  await waitUntil("every client sees both other users", async () => {
    const peers = await Promise.all(clients.map((c) => c.send("status", {})));
    return peers.every((s) => s.peers === 2) ? true : null;
  });

  heading(1, "Three clients booted the real bundle (init, i18nInit, setup, ready)");
  table(
    ["Client", "Role", "Process", "Boot", "Version", "Transport", "State", "API exposed"],
    clients.map((c) => [
      c.user.name,
      c.user.role === 4 ? "GM" : "player",
      String(c.pid ?? "?"),
      `${c.report.bootMs} ms`,
      c.report.version,
      String(c.report.transport),
      c.report.state,
      c.report.apiSame && c.report.apiFrozen && c.report.readyHookFired ? "yes" : "NO",
    ]),
  );
  for (const c of clients) {
    check(c.report.apiSame, `${c.user.name}: module api and globalThis.SocketManager differ`);
    check(c.report.apiFrozen, `${c.user.name}: the api object is not frozen`);
    check(c.report.readyHookFired, `${c.user.name}: "socket-manager.ready" never fired`);
  }

  heading(2, `Handlers on module "${MODULE}"`);
  await gm.send("handle", { moduleId: MODULE, event: "dice", mode: "sum" });
  await gm.send("handle", { moduleId: MODULE, event: "explode", mode: "throw" });
  for (const c of clients) await c.send("on", { moduleId: MODULE, event: "chat" });
  out('   Gamemaster   handle("dice") sums the dice it is sent; handle("explode") always throws');
  out('   everyone     on("chat") records what arrives, with the server-stamped sender and latency');

  heading(3, "Chat");
  const hello = await p1.send("emit", { moduleId: MODULE, event: "chat", data: "Hello, table!" });
  out(`   Player One -> everyone else: "Hello, table!"   (recipients: ${recipientsOf(hello)})`);
  const whisper = await p2.send("emit", {
    moduleId: MODULE,
    event: "chat",
    data: "psst: I pick the lock",
    opts: { to: "gm" },
  });
  out(`   Player Two -> GM only:       "psst: I pick the lock"   (recipients: ${recipientsOf(whisper)})`);

  await waitUntil("the GM saw two chat messages and Player Two one", async () => {
    const [g, b] = await Promise.all([seenBy(gm, "chat"), seenBy(p2, "chat")]);
    return g.length >= 2 && b.length >= 1 ? true : null;
  });
  await sleep(150); // anything that should NOT arrive would have by now
  const chats = await Promise.all(clients.map((c) => seenBy(c, "chat")));
  out();
  out("   What each client saw:");
  table(
    ["Client", "From", "Latency", "Message"],
    clients.flatMap((c, i) => {
      const got = chats[i]!;
      if (got.length === 0) return [[c.user.name, "-", "-", "(nothing: a sender never receives its own)"]];
      return got.map((r) => [c.user.name, r.senderName, latency(r.latencyMs), JSON.stringify(r.data)]);
    }),
  );
  const [gmChats, p1Chats, p2Chats] = chats as [SeenRecord[], SeenRecord[], SeenRecord[]];
  check(
    gmChats.length === 2 &&
      gmChats.some((r) => r.senderId === P1.id && r.data === "Hello, table!") &&
      gmChats.some((r) => r.senderId === P2.id && r.data === "psst: I pick the lock"),
    `the GM should have seen both chat messages, saw ${JSON.stringify(gmChats)}`,
  );
  check(p1Chats.length === 0, `Player One should have seen nothing, saw ${JSON.stringify(p1Chats)}`);
  check(
    p2Chats.length === 1 && p2Chats[0]!.senderId === P1.id,
    `Player Two should have seen only Player One's message, saw ${JSON.stringify(p2Chats)}`,
  );

  heading(4, `Player One asks the GM to total three d6, ${DICE_ROUNDS} times (request -> response)`);
  const times: number[] = [];
  for (let i = 0; i < DICE_ROUNDS; i++) {
    const dice = [1 + ((i * 7) % 6), 1 + ((i * 5 + 2) % 6), 1 + ((i * 3 + 4) % 6)];
    const expected = dice.reduce((a, b) => a + b, 0);
    const o = await p1.send("request", {
      moduleId: MODULE,
      event: "dice",
      data: dice,
      opts: { timeout: 3000 },
    });
    check(o.ok, `dice request ${i + 1} failed: ${describeOutcome(o)}`);
    check(
      o.value === expected,
      `dice request ${i + 1}: expected ${expected}, got ${JSON.stringify(o.value)}`,
    );
    if (i < 3) out(`   roll ${i + 1}: ${dice.join(" + ")} -> GM answered ${o.value}   (${ms(o.ms)})`);
    times.push(o.ms);
  }
  out(`   ... ${DICE_ROUNDS} answers, all correct`);
  const sorted = [...times].sort((a, b) => a - b);
  const median =
    sorted.length % 2 === 1
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  out();
  table(
    ["Round trips", "min", "median", "max"],
    [[`${DICE_ROUNDS} requests`, ms(sorted[0]!), ms(median), ms(sorted[sorted.length - 1]!)]],
  );
  const dicedOnGm = (await seenBy(gm, "dice")).length;
  check(dicedOnGm === DICE_ROUNDS, `the GM handled ${dicedOnGm} dice requests, expected ${DICE_ROUNDS}`);

  heading(5, "Requests that fail, with typed errors");
  const explode = await p1.send("request", {
    moduleId: MODULE,
    event: "explode",
    data: null,
    opts: { timeout: 3000 },
  });
  const nobody = await p2.send("request", {
    moduleId: MODULE,
    event: "nobody-home",
    data: null,
    opts: { timeout: 3000 },
  });
  const failures: [string, RequestOutcome][] = [
    ['Player One -> GM "explode"  (the handler throws)', explode],
    ['Player Two -> GM "nobody-home"  (no handler)', nobody],
  ];
  table(
    ["Request", "Took", "Rejected with"],
    failures.map(([what, o]) => [what, ms(o.ms), o.ok ? "(it resolved!)" : errorLabel(o.error)]),
  );
  out();
  for (const [what, o] of failures) {
    if (!o.ok) out(`   ${what.split("  ")[0]}:\n     ${o.error.message}`);
  }
  check(
    !explode.ok && explode.error.errorClass === "RemoteHandlerError",
    `"explode" should fail with RemoteHandlerError, got ${describeOutcome(explode)}`,
  );
  check(
    !nobody.ok && nobody.error.errorClass === "NoHandlerError",
    `"nobody-home" should fail with NoHandlerError, got ${describeOutcome(nobody)}`,
  );

  heading(6, "api.status() and api.metrics() on each client");
  const stats = await Promise.all(
    clients.map(async (c) => ({ status: await c.send("status", {}), metrics: await c.send("metrics", {}) })),
  );
  table(
    [
      "Client",
      "Transport",
      "State",
      "Peers",
      "Msgs out",
      "Msgs in",
      "Frames out",
      "Requests",
      "Not for me",
      "Dropped",
    ],
    clients.map((c, i) => {
      const { status, metrics } = stats[i]!;
      return [
        c.user.name,
        String(status.transport),
        String(status.state),
        String(status.peers),
        String(metrics.messagesSent),
        String(metrics.messagesReceived),
        String(metrics.framesSent),
        String(metrics.requestsSent),
        String(metrics.notForMe),
        dropped(metrics),
      ];
    }),
  );
  for (const [i, { status }] of stats.entries()) {
    check(status.transport === "native", `${clients[i]!.user.name}: transport ${String(status.transport)}`);
    check(status.state === "connected", `${clients[i]!.user.name}: state ${String(status.state)}`);
  }
  out();
  out("   (Msgs counts emits; requests and their answers travel in frames too. Every frame reaches every");
  out("   client, so a client counts the envelopes addressed to others as 'not for me'.)");
  out();
  out(`   The relay carried ${relay.framesRelayed} frames, ${relay.bytesRelayed} bytes in all.`);
}

function recipientsOf(report: unknown): string {
  const ids = (report as { recipients?: unknown }).recipients;
  return Array.isArray(ids) ? ids.map((id) => nameOf(String(id))).join(", ") : "?";
}

async function shutdown(): Promise<void> {
  await Promise.all(clients.map((c) => c.quit(2_000).catch(() => c.kill())));
  await relay?.stop();
}

const hard = setTimeout(() => {
  process.stderr.write(`\nDEMO FAILED: still running after ${HARD_TIMEOUT / 1000} s; giving up.\n`);
  for (const c of clients) c.kill();
  process.exit(1);
}, HARD_TIMEOUT);

main()
  .then(async () => {
    await shutdown();
    out();
    out("Every step behaved as expected. All clients and the relay are shut down.");
    clearTimeout(hard);
    process.exit(0);
  })
  .catch(async (e: unknown) => {
    process.stderr.write(`\nDEMO FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    for (const c of clients) {
      if (c.output.length === 0) continue;
      process.stderr.write(`\n--- output of ${c.user.name}'s process ---\n${c.output.join("\n")}\n`);
    }
    await shutdown().catch(() => undefined);
    clearTimeout(hard);
    process.exit(1);
  });
