/**
 * The bridge's built-in world operations (docs/BRIDGE.md, "World operations"): opt-in, one world setting
 * each, registered as bridge handlers only on a GM's client and only while their setting is on. The bridge
 * itself connects only from the active GM's client, so that is where they answer.
 */
import type { BridgeHandler, BridgeHandlerOptions } from "../../contract/bridge";
import type { WorldOperationKind } from "../../foundry/bridge-settings";
import { type FoundryDocumentsScope, worldDocuments } from "../../foundry/documents";
import { RateLimiter, type RateLimits } from "../../pipeline/rate-limit";
import { BridgeAnswerError } from "../answer";
import { ACTOR_OPERATIONS } from "./actors";
import { SCAN_BUDGET, type WorldOperation } from "./common";
import { filesList } from "./files";
import { ITEM_OPERATIONS } from "./items";
import { journalsCreate } from "./journals";
import { scenesCreate } from "./scenes";

export type {
  DeleteResult,
  DocumentSummary,
  FetchResult,
  FileListResult,
  ListResult,
  PushResult,
  SearchHit,
  SearchResult,
} from "./results";

/** Every operation, in the order of docs/BRIDGE.md. */
export const WORLD_OPERATIONS: readonly WorldOperation[] = [
  ...ACTOR_OPERATIONS,
  ...ITEM_OPERATIONS,
  journalsCreate,
  scenesCreate,
  filesList,
];

export interface WorldOperationsOptions {
  /**
   * The page's global scope, read at every request (`game`, `CONFIG`, `fromUuid`, `FilePicker`, `foundry`);
   * any object, since every member is optional and checked where it is used (src/foundry/documents.ts).
   */
  scope: () => object;
  /** Registers a bridge handler (`api.bridge.handle`); returns its unsubscribe. */
  handle: (kind: string, fn: BridgeHandler, opts: BridgeHandlerOptions) => () => void;
  /** Whether a GM turned the operation on (its world setting). */
  isEnabled: (kind: WorldOperationKind) => boolean;
  /** An operation could not be registered (another handler holds its kind); default: a console warning. */
  onError?: (kind: WorldOperationKind, error: unknown) => void;
  /** The clock of the scan budget (SCAN_BUDGET); default `Date.now`. */
  now?: () => number;
  /** Default SCAN_BUDGET. */
  scanBudget?: RateLimits;
}

export interface WorldOperationsHandle {
  /** Registers the operations that should answer now and removes the others; call when a setting changes. */
  refresh(): void;
  /** Removes every registered operation; `refresh` does nothing afterwards. */
  dispose(): void;
  /** The kinds registered now, sorted. */
  active(): WorldOperationKind[];
}

export function installWorldOperations(opts: WorldOperationsOptions): WorldOperationsHandle {
  const docs = worldDocuments(() => opts.scope() as FoundryDocumentsScope);
  const limits = opts.scanBudget ?? SCAN_BUDGET;
  const scans = new RateLimiter(() => limits, { now: opts.now ?? Date.now });
  const registered = new Map<WorldOperationKind, () => void>();
  const warn =
    opts.onError ??
    ((kind: WorldOperationKind, e: unknown) =>
      console.warn(`Socket Manager | bridge operation "${kind}" was not registered`, e));
  let disposed = false;

  const handler =
    (op: WorldOperation): BridgeHandler =>
    (data) => {
      // A GM can be demoted while connected; the bridge only ever runs on a GM's client, but check anyway.
      if (!docs.isGM()) throw new BridgeAnswerError("PERMISSION", `${op.kind}: this client is not a GM's`);
      return op.run(docs, data, scans);
    };

  const wanted = (kind: WorldOperationKind): boolean => {
    try {
      return opts.isEnabled(kind);
    } catch {
      return false;
    }
  };

  return {
    refresh() {
      if (disposed) return;
      const gm = docs.isGM();
      for (const op of WORLD_OPERATIONS) {
        const on = gm && wanted(op.kind);
        const off = registered.get(op.kind);
        if (on && !off) {
          try {
            registered.set(op.kind, opts.handle(op.kind, handler(op), { schema: op.schema }));
          } catch (e) {
            warn(op.kind, e);
          }
        } else if (!on && off) {
          off();
          registered.delete(op.kind);
        }
      }
    },
    dispose() {
      disposed = true;
      for (const off of registered.values()) off();
      registered.clear();
    },
    active: () => [...registered.keys()].sort(),
  };
}
