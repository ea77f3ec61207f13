/**
 * IPC between the sandbox server (backend-control.ts) and the backend process (backend.ts).
 *
 *   server  → backend  { type: "create-actor", id, name }
 *   backend → server   { type: "ready", url } once listening; { type: "connection", world, connected } as Foundry
 *                      clients come and go; { type: "result", id, outcome } per create-actor
 *
 * The token and the port go to the backend in its environment (never on its command line, where `ps` shows it).
 */
import type { CreateActorOutcome } from "./world";

export const TOKEN_ENV = "SANDBOX_BRIDGE_TOKEN";
export const PORT_ENV = "SANDBOX_BRIDGE_PORT";
/** The bridge's URL path (any works; a path makes the URL say what it is). */
export const BRIDGE_PATH = "/foundry";

export interface CreateActorCommand {
  type: "create-actor";
  id: number;
  name: string;
}

export type BackendMessage =
  | { type: "ready"; url: string }
  | { type: "connection"; world: string; connected: boolean }
  | { type: "result"; id: number; outcome: CreateActorOutcome };

/** A message that is not one of this protocol's, named by the side that received it. */
export class BackendProtocolError extends Error {
  constructor(receiver: string, detail: string) {
    super(`${receiver}: bad IPC message: ${detail}`);
    this.name = "BackendProtocolError";
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function parseCommand(raw: unknown): CreateActorCommand {
  const receiver = "demo/sandbox/backend.ts";
  if (!isRecord(raw)) throw new BackendProtocolError(receiver, "not an object");
  if (raw.type !== "create-actor")
    throw new BackendProtocolError(receiver, `unknown type ${String(raw.type)}`);
  if (!Number.isSafeInteger(raw.id))
    throw new BackendProtocolError(receiver, "create-actor without an integer id");
  if (typeof raw.name !== "string" || raw.name.length === 0 || raw.name.length > 200) {
    throw new BackendProtocolError(receiver, "create-actor needs a name of 1-200 characters");
  }
  return { type: "create-actor", id: raw.id as number, name: raw.name };
}

export function parseBackendMessage(raw: unknown): BackendMessage {
  const receiver = "demo/sandbox/backend-control.ts";
  if (!isRecord(raw)) throw new BackendProtocolError(receiver, "not an object");
  switch (raw.type) {
    case "ready":
      if (typeof raw.url !== "string") throw new BackendProtocolError(receiver, "ready without a url");
      return { type: "ready", url: raw.url };
    case "connection":
      if (typeof raw.world !== "string" || typeof raw.connected !== "boolean") {
        throw new BackendProtocolError(receiver, "connection needs a world and connected");
      }
      return { type: "connection", world: raw.world, connected: raw.connected };
    case "result": {
      const outcome = raw.outcome;
      if (!Number.isSafeInteger(raw.id) || !isRecord(outcome) || typeof outcome.ok !== "boolean") {
        throw new BackendProtocolError(receiver, "result needs an integer id and an outcome");
      }
      return { type: "result", id: raw.id as number, outcome: outcome as unknown as CreateActorOutcome };
    }
    default:
      throw new BackendProtocolError(receiver, `unknown type ${String(raw.type)}`);
  }
}
