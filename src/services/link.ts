import type { TimerHandle } from "../clock";
import { MODULE_ID } from "../contract/ids";
import type { ConnectionState } from "../contract/types";
import { createTransport, detectTransport } from "../transports/detect";
import { EarlyFrames } from "../transports/early";
import type { IncomingFrame, LinkState, Transport, TransportKind } from "../transports/transport";
import type { Core } from "./core";

/** Longest the outbox replay waits for peers to come back after a reconnect. */
export const REPLAY_SETTLE_MS = 3000;

export interface LinkDeps {
  core: Core;
  /** Every frame the transport delivers, in order. */
  receive(frame: IncomingFrame): void;
  /** The socket is up (again, when `reconnected`): time to say hello, and to send unanswered requests again. */
  connected(reconnected: boolean): void;
  /** Peers known before an outage: the replay waits for their hello. */
  knownPeers(): string[];
}

type StateListener = (state: ConnectionState, transport: TransportKind | null) => void;

/**
 * The connection: which transport, its state, the events held from `init` until start, and the outbox
 * replay hold after a reconnect. Follows Foundry's socket and never drives it (docs/FOUNDRY.md).
 */
export class Link {
  #network: Transport | null = null;
  #state: ConnectionState = "initializing";
  #started = false;
  #wasConnected = false;
  /** Socket events held from `init` until start (Foundry replays its early events just before `ready`). */
  #early: EarlyFrames | null = null;
  /** Frames that arrive while the early ones are being handed over (one task at start), in order. */
  #inboundHeld: IncomingFrame[] | null = null;
  /** After a reconnect: the peers whose hello the outbox replay waits for. */
  #replay: { waitingFor: Set<string>; timer: TimerHandle } | null = null;
  /**
   * Peers the last replay hold waited for in vain (no hello within REPLAY_SETTLE_MS) and that have not said hello
   * since: the next hold does not wait for them, so a peer that stays silent delays one replay, not every one.
   */
  readonly #silent = new Set<string>();
  readonly #listeners = new Set<StateListener>();
  readonly #deps: LinkDeps;

  constructor(deps: LinkDeps) {
    this.#deps = deps;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get started(): boolean {
    return this.#started;
  }

  /** The transport in use; "local" only in local mode (no socket, or `api.local.enable()`). */
  get transport(): TransportKind | null {
    return this.#network?.kind ?? null;
  }

  /** The transport frames may leave by now, or null. */
  get sendable(): Transport | null {
    return this.canSend ? this.#network : null;
  }

  get canSend(): boolean {
    return this.#started && this.#network?.connected === true;
  }

  /** True when a network transport is connected: the only case where peer control traffic makes sense. */
  get peersReachable(): boolean {
    return this.canSend && this.#network?.kind !== "local";
  }

  /** True while the outbox replay waits for peers after a reconnect. */
  get replayHeld(): boolean {
    return this.#replay !== null;
  }

  /** Starts holding `module.socket-manager` events until `start()`: call at `init`. */
  listen(): void {
    const socket = this.#deps.core.env.socket;
    if (this.#started || this.#early || !socket) return;
    this.#early = new EarlyFrames(socket);
  }

  /** Chooses the transport and starts moving frames. Returns false when already started. */
  start(): boolean {
    if (this.#started) return false;
    const { core } = this.#deps;
    if (core.env.usersLoaded === false) {
      core.log.error(
        "game.users is not loaded yet: Socket Manager was started before Foundry's setup hook. Messages cannot be attributed to users until it is.",
      );
    }
    const detection = detectTransport(core.env, core.config());
    if (detection.warning) core.log.warn(detection.warning);
    this.#started = true;
    // Held since init (listen()): what arrives during the hand-over waits behind the early events.
    if (this.#early) this.#inboundHeld = [];
    this.use(detection.kind);
    this.#drainEarly();
    return true;
  }

  /** Back from local mode to the transport detection picks (api.local.disable()). */
  redetect(): void {
    const { core } = this.#deps;
    if (!this.#started) return;
    this.use(detectTransport(core.env, core.config()).kind);
  }

  /** Switches transport (api.local.enable() uses this to enter local mode). */
  use(kind: TransportKind): void {
    const { core } = this.#deps;
    this.#network?.dispose();
    this.#network = createTransport(
      kind,
      core.env,
      { frame: (f) => this.#inbound(f), connectivity: (c) => this.#onLink(c) },
      core.defer,
    );
    if (kind === "local") return this.#setState("local-fallback");
    this.#onLink(this.#network.connected ? "up" : "down");
  }

  onStateChange(fn: StateListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** A peer said hello: the replay hold ends once every awaited peer has. */
  peerBack(userId: string): void {
    this.#silent.delete(userId);
    if (this.#replay?.waitingFor.delete(userId) && this.#replay.waitingFor.size === 0) this.#release(true);
  }

  dispose(): void {
    this.#early?.stop();
    this.#early = null;
    this.#release(false);
    this.#network?.dispose();
    this.#network = null;
  }

  /**
   * Hands the events held since `init` to the transport at the end of the current task, so that modules which
   * add their handlers in their own `ready` hook (after this one) still get them. Frames the transport
   * delivers meanwhile (socketlib's held ones) wait behind them.
   */
  #drainEarly(): void {
    const early = this.#early;
    const network = this.#network;
    const { counters } = this.#deps.core;
    this.#early = null;
    if (network && "earlyDropped" in network) counters.drop("early-overflow", network.earlyDropped as number);
    if (!early) return;
    this.#deps.core.defer(() => {
      const later = this.#inboundHeld ?? [];
      this.#inboundHeld = null;
      const dropped = early.drain((args) => network?.receive(args));
      if (dropped > 0) counters.drop("early-overflow", dropped);
      for (const frame of later) this.#deps.receive(frame);
    });
  }

  #inbound(frame: IncomingFrame): void {
    if (this.#inboundHeld) this.#inboundHeld.push(frame);
    else this.#deps.receive(frame);
  }

  /**
   * "down" is Foundry retrying (reconnecting), "gave-up" its last attempt failing (offline; Foundry then
   * leaves the page). Requests keep their targets throughout: nothing addressed to another user is answered
   * here.
   */
  #onLink(link: LinkState): void {
    if (this.#network?.kind === "local") return;
    const { core } = this.#deps;
    if (link === "gave-up") {
      this.#release(false);
      this.#setState("offline");
      core.log.warn("Foundry's socket gave up reconnecting: Socket Manager is offline");
      return;
    }
    if (link === "down") {
      this.#release(false);
      this.#setState("reconnecting");
      return;
    }
    const reconnected = this.#wasConnected;
    if (reconnected) core.counters.reconnections++;
    this.#wasConnected = true;
    this.#setState("connected");
    // After an outage the hold comes first, so what `connected` sends again waits for the peers to be back.
    if (reconnected) this.#hold();
    this.#deps.connected(reconnected);
    if (!reconnected) core.out.flushOutbox();
  }

  /**
   * After an outage every client reconnects on its own schedule; frames sent before a peer is back are lost
   * to it. So the outbox waits until each peer known before the outage said hello again, or REPLAY_SETTLE_MS
   * (not for a peer that let the last wait run out and has been silent since).
   */
  #hold(): void {
    const { core } = this.#deps;
    this.#release(false);
    const waitingFor = new Set(
      this.#deps.knownPeers().filter((id) => !this.#silent.has(id) && core.roster.user(id)?.active),
    );
    if (waitingFor.size === 0) return core.out.flushOutbox();
    const timer = core.clock.setTimeout(() => {
      for (const id of waitingFor) this.#silent.add(id);
      this.#release(true);
    }, REPLAY_SETTLE_MS);
    this.#replay = { waitingFor, timer };
  }

  #release(flush: boolean): void {
    const { core } = this.#deps;
    if (this.#replay) core.clock.clearTimeout(this.#replay.timer);
    this.#replay = null;
    if (flush) core.out.flushOutbox();
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    const { core } = this.#deps;
    this.#state = state;
    core.log.debug(`state: ${state} (${this.transport})`);
    for (const fn of [...this.#listeners]) {
      try {
        fn(state, this.transport);
      } catch (e) {
        core.log.error("an onStateChange callback threw", e);
      }
    }
    core.env.hooks.callAll(`${MODULE_ID}.stateChanged`, state, this.transport);
  }
}
