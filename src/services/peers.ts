import type { TimerHandle } from "../clock";
import type { PeerEvent, PeerInfo } from "../contract/types";
import type { FoundryUser } from "../foundry/types";
import { PROTOCOL_VERSION } from "../pipeline/envelope";
import type { Heartbeat } from "../reliability/heartbeat";
import { type HelloPayload, isHelloPayload, Presence } from "../reliability/presence";
import { type Core, sendControl } from "./core";
import type { Link } from "./link";

/** At most one protocol-mismatch warning per user in this long. */
export const WARN_EVERY_MS = 60_000;

/**
 * A user's session may change at most once in this long; a later change waits for the end of it (the newest
 * one wins). Each change is a leave and a join for every onPeer listener and makes reliable delivery resend
 * all that user has not acknowledged, so a peer flipping sessions in its hellos must not set the pace; a real
 * reload takes longer than this.
 */
export const SESSION_CHANGE_EVERY_MS = 2_000;

export interface PeersDeps {
  core: Core;
  link: Link;
  heartbeat: Heartbeat;
  /** A user left (Foundry's userConnected): their pending requests fail or move to another GM. */
  left(userId: string): void;
  /** A peer came back under a new session (a reload): its reliable streams start over. */
  restarted(userId: string, session: string): void;
}

/**
 * Who runs Socket Manager: the hello protocol (on start, after a reconnect, to every newcomer), the peers view,
 * and the protocol-mismatch warning for GMs.
 */
export class Peers {
  readonly #presence = new Presence();
  /** When each user was last warned about (one protocol warning per user per minute). */
  readonly #warnedAt = new Map<string, number>();
  /** Users owed a hello reply at the end of the task: one hello answers them all. */
  readonly #repliesDue = new Set<string>();
  /** The session each connected peer runs now, and whether a round trip with it completed. */
  readonly #live = new Map<string, { session: string; ready: boolean }>();
  readonly #listeners = new Map<PeerEvent, Set<(peer: PeerInfo) => void>>();
  /** When each user's session last changed, and the newest hello waiting for its turn to change it again. */
  readonly #changedAt = new Map<string, number>();
  readonly #waiting = new Map<string, { payload: HelloPayload; sender: FoundryUser; timer: TimerHandle }>();
  readonly #deps: PeersDeps;

  constructor(deps: PeersDeps) {
    this.#deps = deps;
  }

  /** Follows Foundry's `userConnected` hook; returns the detach function. */
  watch(): () => void {
    const { hooks } = this.#deps.core.env;
    const fn = (user: FoundryUser, connected: boolean) => {
      if (connected) return this.sayHello([user.id], false);
      this.#deps.left(user.id);
      const live = this.#live.get(user.id);
      if (!live) return;
      this.#live.delete(user.id);
      this.#emit("leave", user.id, live.session);
    };
    const id = hooks.on("userConnected", fn as (...args: never[]) => unknown);
    return () => {
      hooks.off("userConnected", id);
      for (const { timer } of this.#waiting.values()) this.#deps.core.clock.clearTimeout(timer);
      this.#waiting.clear();
    };
  }

  /** The session of a peer that said hello, if any. */
  session(userId: string): string | undefined {
    return this.#presence.get(userId)?.session;
  }

  /** Every user that said hello. */
  known(): string[] {
    return this.#presence.all().map((p) => p.userId);
  }

  sayHello(to: string[] | undefined, reply: boolean): void {
    const { core, link } = this.#deps;
    if (!link.peersReachable) return;
    const hello: HelloPayload = {
      v: core.version,
      p: PROTOCOL_VERSION,
      tr: link.transport ?? "native",
      s: core.session,
    };
    if (reply) hello.reply = 1;
    // Control traffic: it must pass the replay hold, since the hold waits for exactly these hellos.
    sendControl(core.out, "hello", hello, to);
  }

  onHello(payload: unknown, sender: FoundryUser): void {
    const { core, link } = this.#deps;
    if (!isHelloPayload(payload)) return core.counters.drop("envelope-shape");
    if (this.#tooSoon(payload, sender)) return;
    const { peer, isNew, sessionChanged } = this.#presence.hello(sender.id, payload, core.clock.now());
    link.peerBack(sender.id);
    const live = this.#live.get(sender.id);
    if (live?.session !== payload.s) {
      // A new session is a join; replacing another (a reload) is that one's leave first.
      if (live) this.#emit("leave", sender.id, live.session);
      this.#live.set(sender.id, { session: payload.s, ready: false });
      this.#emit("join", sender.id, payload.s);
    }
    if (sessionChanged) this.#deps.restarted(sender.id, peer.session);
    const now = core.clock.now();
    const warned = this.#warnedAt.get(sender.id);
    if (payload.p !== PROTOCOL_VERSION && (warned === undefined || now - warned >= WARN_EVERY_MS)) {
      this.#warnedAt.set(sender.id, now);
      const data = { name: sender.name, theirs: payload.p, ours: PROTOCOL_VERSION, version: payload.v };
      core.log.warn(
        `${sender.name} runs Socket Manager ${payload.v} with protocol ${payload.p} (ours: ${PROTOCOL_VERSION})`,
      );
      this.#gmNotice("warn", "SOCKET_MANAGER.Notify.ProtocolMismatch", data);
    }
    if (payload.reply) this.#replyLater(sender.id);
    if (isNew || sessionChanged) this.#deps.heartbeat.ping([sender.id]);
  }

  /**
   * Whether this hello changes the user's session too soon after the last change: it then waits for its turn,
   * replacing (and counting) one that waited already.
   */
  #tooSoon(payload: HelloPayload, sender: FoundryUser): boolean {
    const { clock, counters } = this.#deps.core;
    const current = this.#presence.get(sender.id)?.session;
    if (current === undefined || current === payload.s) return false;
    const now = clock.now();
    const last = this.#changedAt.get(sender.id);
    if (last === undefined || now - last >= SESSION_CHANGE_EVERY_MS) {
      this.#changedAt.set(sender.id, now);
      return false;
    }
    const waiting = this.#waiting.get(sender.id);
    if (waiting) {
      counters.drop("control-limited");
      waiting.payload = payload;
      waiting.sender = sender;
      return true;
    }
    const timer = clock.setTimeout(
      () => {
        const turn = this.#waiting.get(sender.id);
        this.#waiting.delete(sender.id);
        if (turn) this.onHello(turn.payload, turn.sender);
      },
      last + SESSION_CHANGE_EVERY_MS - now,
    );
    this.#waiting.set(sender.id, { payload, sender, timer });
    return true;
  }

  /** A round trip with `userId` completed (a pong): the first one after its join makes it ready. */
  roundTrip(userId: string): void {
    const live = this.#live.get(userId);
    if (!live || live.ready) return;
    live.ready = true;
    this.#emit("ready", userId, live.session);
  }

  onPeer(kind: PeerEvent, fn: (peer: PeerInfo) => void): () => void {
    let set = this.#listeners.get(kind);
    if (!set) {
      set = new Set();
      this.#listeners.set(kind, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  #emit(kind: PeerEvent, userId: string, session: string): void {
    const { core } = this.#deps;
    const info = this.list().find((p) => p.userId === userId);
    if (!info) return;
    const peer = Object.freeze({ ...info, session });
    for (const fn of [...(this.#listeners.get(kind) ?? [])]) {
      try {
        fn(peer);
      } catch (e) {
        core.log.error(`an onPeer("${kind}") callback threw`, e);
      }
    }
    if (kind === "join") core.env.hooks.callAll("socket-manager.peerJoined", peer);
    if (kind === "leave") core.env.hooks.callAll("socket-manager.peerLeft", peer);
  }

  #replyLater(userId: string): void {
    const first = this.#repliesDue.size === 0;
    this.#repliesDue.add(userId);
    if (!first) return;
    this.#deps.core.defer(() => {
      const to = [...this.#repliesDue];
      this.#repliesDue.clear();
      this.sayHello(to, false);
    });
  }

  /** Everyone but this user, with what presence and the heartbeat know of them. */
  list(): PeerInfo[] {
    const { core, heartbeat } = this.#deps;
    const me = core.userId();
    return [...core.env.users]
      .filter((u) => u.id !== me)
      .map((u) => {
        const peer = this.#presence.get(u.id);
        const estimate = heartbeat.clocks.best(u.id);
        const rtt = heartbeat.clocks.latestRtt(u.id);
        const info: PeerInfo = {
          userId: u.id,
          name: u.name,
          role: u.role,
          isGM: u.isGM,
          active: u.active,
          hasModule: peer !== undefined,
        };
        if (peer)
          Object.assign(info, {
            moduleVersion: peer.version,
            protocol: peer.protocol,
            transport: peer.transport,
          });
        if (rtt !== undefined) info.rttMs = rtt;
        if (peer) info.session = peer.session;
        if (estimate) info.clockOffsetMs = estimate.offset;
        return info;
      });
  }

  /** A notification for GMs (players get the console line only). */
  #gmNotice(level: "info" | "warn", key: string, data: Record<string, string | number>): void {
    const { core } = this.#deps;
    const message = core.env.localize(key, data);
    if (core.roster.user(core.userId())?.isGM) core.env.notify(level, message);
    else core.log.info(message);
  }
}
