/**
 * The world operations over simulated documents, answered by the bridge's real handlers and answerer: `call`
 * gives the response frame a backend would get.
 */
import { Answerer } from "../../../../src/bridge/answer";
import { BridgeHandlers } from "../../../../src/bridge/handlers";
import { installWorldOperations } from "../../../../src/bridge/operations/index";
import { BridgeStats } from "../../../../src/bridge/stats";
import type { WorldOperationKind } from "../../../../src/foundry/bridge-settings";
import type { FoundryDocumentsScope } from "../../../../src/foundry/documents";
import type { RateLimits } from "../../../../src/pipeline/rate-limit";
import { createSimDocuments, type SimDocumentsOptions } from "../../../harness/foundry-documents";

export type Response =
  | { type: "response"; id: string; ok: true; data: unknown }
  | { type: "response"; id: string; ok: false; error: { code: string; message: string } };

export interface FixtureOptions extends SimDocumentsOptions {
  gm?: boolean;
  /** Enabled operations (default: all). */
  enabled?: (kind: WorldOperationKind) => boolean;
  /** Before `setup`: the world collections are not there yet. */
  loaded?: boolean;
  now?: () => number;
  scanBudget?: RateLimits;
}

export function operationsFixture(opts: FixtureOptions = {}) {
  const sim = createSimDocuments(opts);
  const world = { gm: opts.gm ?? true, loaded: opts.loaded ?? true };
  const game = {
    user: {
      get isGM() {
        return world.gm;
      },
    },
  };
  const scope = { game } as Record<string, unknown>;
  sim.install(scope, game, () => world.loaded);
  const handlers = new BridgeHandlers();
  const stats = new BridgeStats();
  const sent: Response[] = [];
  const answerer = new Answerer({
    handlers,
    stats,
    maxFrame: () => 1024 * 1024,
    send: (text) => void sent.push(JSON.parse(text) as Response),
  });
  const enabled = { fn: opts.enabled ?? (() => true) };
  const ops = installWorldOperations({
    scope: () => scope as FoundryDocumentsScope,
    handle: (kind, fn, o) => handlers.add(kind, fn, o),
    isEnabled: (kind) => enabled.fn(kind),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.scanBudget ? { scanBudget: opts.scanBudget } : {}),
  });
  ops.refresh();
  let ids = 0;
  async function call(kind: string, data: unknown): Promise<Response> {
    const id = `r${++ids}`;
    await answerer.answer(id, kind, data);
    const response = sent.find((r) => r.id === id);
    if (!response) throw new Error(`no response to ${kind}`);
    return response;
  }
  /** The answer's data; fails the test with the error when the request failed. */
  async function ok<T>(kind: string, data: unknown): Promise<T> {
    const r = await call(kind, data);
    if (!r.ok) throw new Error(`${kind} failed: ${r.error.code} ${r.error.message}`);
    return r.data as T;
  }
  async function error(kind: string, data: unknown): Promise<{ code: string; message: string }> {
    const r = await call(kind, data);
    if (r.ok) throw new Error(`${kind} succeeded: ${JSON.stringify(r.data)}`);
    return r.error;
  }
  return { sim, world, scope, handlers, stats, ops, enabled, call, ok, error };
}
