/**
 * What a shared state needs from the client it lives on: who this client and the authority are, time, logs,
 * counters, and the `$sh.*` sends and requests. Built by src/shared/registry.ts; tests pass a fake.
 */
import type { Clock } from "../clock";
import type { FoundryUser } from "../contract/types";
import type { Logger } from "../log";
import type { Counters } from "../metrics/counters";
import type { ProposalWork } from "./proposal-work";
import type { SharedStateCore } from "./state";
import type {
  FetchReply,
  PatchMessage,
  PollReply,
  ProposeMessage,
  ProposeReply,
  SnapshotMessage,
  StateRef,
  WantMessage,
} from "./wire";

/** What a shared state needs from the client it lives on (src/shared/registry.ts). */
export interface SharedHost {
  readonly me: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly counters: Counters;
  requestTimeout(): number;
  /** The authority's user id as this client sees it; null when there is none (no GM, or not started). */
  authority(): string | null;
  user(id: string): FoundryUser | undefined;
  /** Resolves once the client started (users are known and the transport chosen). */
  started(): Promise<void>;
  newEpoch(): string;
  sendPatch(message: PatchMessage): void;
  sendSnapshot(message: SnapshotMessage, to: string[]): void;
  /**
   * Takes `bytes` from what snapshots may still carry to `userId` (one budget per user over every state of this
   * client); false when it is spent.
   */
  snapshotBudget(userId: string, bytes: number): boolean;
  /** What players' proposals may cost this client as the authority (one budget per user over every state). */
  readonly proposalWork: Pick<ProposalWork, "may" | "spend" | "timed">;
  sendWant(message: WantMessage, to: string): void;
  propose(message: ProposeMessage): Promise<ProposeReply>;
  poll(ref: StateRef): Promise<Map<string, PollReply | null>>;
  fetch(ref: StateRef, userId: string): Promise<FetchReply | null>;
  loadPersisted(ref: StateRef): { v: number; d: unknown } | null;
  savePersisted(ref: StateRef, version: number, value: unknown): void;
  forget(state: SharedStateCore): void;
}
