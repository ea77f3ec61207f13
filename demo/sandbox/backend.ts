/**
 * The sandbox's backend: its own Node process (forked by backend-control.ts), the program outside Foundry that
 * the GM's client connects to. It runs the Node SDK (`createBridge` on 127.0.0.1, on the port and with the token
 * it is given) and its world-operations client, and creates actors when the sandbox server asks over IPC.
 * SIGTERM closes the bridge (the GM's client sees the connection go) and exits.
 */
import { BridgeError, createBridge, worldOperations } from "../../bridge-sdk/src/index";
import {
  type BackendMessage,
  BRIDGE_PATH,
  type CreateActorCommand,
  PORT_ENV,
  parseCommand,
  TOKEN_ENV,
} from "./backend-protocol";
import type { CreateActorOutcome } from "./world";

const REQUEST_TIMEOUT_MS = 10_000;

function send(message: BackendMessage): void {
  if (process.connected) process.send?.(message);
}

function fail(message: string): never {
  process.stderr.write(`sandbox backend: ${message}\n`);
  process.exit(1);
}

if (!process.send) fail("start me from the sandbox (`npm run demo:bridge`): I need an IPC channel");
const token = process.env[TOKEN_ENV] ?? "";
const port = Number(process.env[PORT_ENV]);
if (token === "") fail(`${TOKEN_ENV} is empty`);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail(`${PORT_ENV} is not a port`);

const bridge = createBridge({
  token,
  port,
  host: "127.0.0.1",
  path: BRIDGE_PATH,
  requestTimeout: REQUEST_TIMEOUT_MS,
});
const world = worldOperations(bridge);

bridge.onConnection((c, connected) => send({ type: "connection", world: c.world, connected }));

async function createActor(command: CreateActorCommand): Promise<CreateActorOutcome> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    const result = await world.actors.create({ name: command.name, type: "npc" });
    return { ok: true, name: command.name, ms: ms(), result };
  } catch (e) {
    const error =
      e instanceof BridgeError
        ? { name: e.name, code: e.code, message: e.message }
        : { name: e instanceof Error ? e.name : "Error", code: "UNEXPECTED", message: String(e) };
    return { ok: false, name: command.name, ms: ms(), error };
  }
}

process.on("message", (raw: unknown) => {
  let command: CreateActorCommand;
  try {
    command = parseCommand(raw);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return;
  }
  void createActor(command).then((outcome) => send({ type: "result", id: command.id, outcome }));
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await bridge.close().catch(() => undefined);
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The sandbox server went away: nobody is left to talk to.
process.on("disconnect", () => void stop());

bridge.ready.then(
  ({ url }) => send({ type: "ready", url }),
  (e: unknown) =>
    fail(`the bridge could not listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}`),
);
