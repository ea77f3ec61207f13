/**
 * A simulated socketlib (v1.1.x behaviour as described in docs/FOUNDRY.md), written for tests. Like the real
 * one it throws (as an unhandled rejection on the receiving client) SocketlibUnregisteredHandlerError for a
 * message whose handler name is not registered there, and rethrows handler errors the same way.
 *
 * Wire: every message goes out as `socket.emit("module.<id>", message)` with
 * `message = { handlerName, args, recipient, id, type }`. The server relays it to every other client, which
 * filter by `recipient`. Replies (RESULT / EXCEPTION / UNREGISTERED) are broadcast too and matched by the
 * pending request id. Handlers run as `fn.call({ socketdata: { userId } }, ...args)` where `userId` is the
 * server-appended sender id.
 */
import type {
  FoundrySocket,
  FoundryUser,
  FoundryUsers,
  SocketlibHandler,
  SocketlibSocket,
} from "../../src/foundry/types";

export const RECIPIENT = { ONE_GM: 0, ALL_GMS: 1, EVERYONE: 2 } as const;
export const MESSAGE_TYPE = {
  COMMAND: 0,
  REQUEST: 1,
  RESPONSE: 2,
  RESULT: 3,
  EXCEPTION: 4,
  UNREGISTERED: 5,
} as const;

export type Recipient = 0 | 1 | 2 | string[];

export interface SocketlibMessage {
  handlerName?: string;
  args?: unknown[];
  recipient?: Recipient;
  id: string;
  type: number;
  result?: unknown;
  userId?: string;
}

export class SocketlibError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class SocketlibNoGMConnectedError extends SocketlibError {}
export class SocketlibInvalidUserError extends SocketlibError {}
export class SocketlibRemoteException extends SocketlibError {}
export class SocketlibUnregisteredHandlerError extends SocketlibError {}
export class SocketlibInternalError extends SocketlibError {}

export const errors = {
  SocketlibError,
  SocketlibNoGMConnectedError,
  SocketlibInvalidUserError,
  SocketlibRemoteException,
  SocketlibUnregisteredHandlerError,
  SocketlibInternalError,
};

/** What the simulated socketlib needs from its client. */
export interface SimSocketlibDeps {
  socket: FoundrySocket;
  userId: string;
  users: FoundryUsers;
}

interface Pending {
  handlerName: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

let idCounter = 0;
function randomId(): string {
  idCounter += 1;
  return `${Math.random().toString(36).slice(2, 10)}${idCounter.toString(36)}`;
}

function isMessage(value: unknown): value is SocketlibMessage {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "number"
  );
}

export class SimSocketlibSocket implements SocketlibSocket {
  readonly eventName: string;
  private readonly functions = new Map<string, SocketlibHandler>();
  private readonly pending = new Map<string, Pending>();
  private readonly listener: (...args: never[]) => void;
  /** Messages this socket sent, in order (for assertions). */
  readonly sent: SocketlibMessage[] = [];
  /** Messages that arrived for a handler name not registered here (each an unhandled rejection). */
  unregisteredErrors = 0;
  /** Every error this socket let escape as an unhandled rejection, in order. */
  readonly unhandled: unknown[] = [];
  /**
   * Where an escaping error goes. Default null: an unhandled rejection, as in socketlib (the test runner
   * fails the run). A test that provokes one on purpose sets this to observe it instead.
   */
  onUnhandled: ((error: unknown) => void) | null = null;

  constructor(
    moduleId: string,
    private readonly deps: SimSocketlibDeps,
  ) {
    this.eventName = `module.${moduleId}`;
    this.listener = ((message: unknown, ...rest: unknown[]) => {
      // The server appends the sender's id as the last argument.
      const senderId = rest.length > 0 ? rest[rest.length - 1] : undefined;
      this.onReceived(message, typeof senderId === "string" ? senderId : "");
    }) as (...args: never[]) => void;
    deps.socket.on(this.eventName, this.listener);
  }

  /** Requests waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  register(name: string, fn: SocketlibHandler): void {
    if (typeof fn !== "function") {
      console.error(
        `socketlib | Cannot register a non-function as handler '${name}' for '${this.eventName}'.`,
      );
      return;
    }
    if (this.functions.has(name)) {
      console.warn(`socketlib | Handler '${name}' is already registered for '${this.eventName}'; ignored.`);
      return;
    }
    this.functions.set(name, fn);
  }

  async executeAsGM(name: string, ...args: unknown[]): Promise<unknown> {
    const fn = this.resolve(name);
    if (this.self?.isGM) return this.runLocal(fn, args);
    const gm = this.deps.users.activeGM ?? this.findUser((u) => u.isGM && u.active);
    if (!gm) {
      throw new SocketlibNoGMConnectedError(
        `Could not execute handler '${name}' as GM, because no GM is connected.`,
      );
    }
    return this.sendRequest(name, args, RECIPIENT.ONE_GM);
  }

  async executeAsUser(name: string, userId: string, ...args: unknown[]): Promise<unknown> {
    const fn = this.resolve(name);
    if (userId === this.deps.userId) return this.runLocal(fn, args);
    const user = this.deps.users.get(userId);
    if (!user) throw new SocketlibInvalidUserError(`No user with id '${userId}' exists.`);
    if (!user.active)
      throw new SocketlibInvalidUserError(`User '${user.name}' (${userId}) is not connected.`);
    return this.sendRequest(name, args, [userId]);
  }

  async executeForEveryone(name: string, ...args: unknown[]): Promise<void> {
    const fn = this.resolve(name);
    this.sendCommand(name, args, RECIPIENT.EVERYONE);
    this.runLocalDetached(name, fn, args);
  }

  async executeForOthers(name: string, ...args: unknown[]): Promise<void> {
    this.resolve(name);
    this.sendCommand(name, args, RECIPIENT.EVERYONE);
  }

  async executeForAllGMs(name: string, ...args: unknown[]): Promise<void> {
    const fn = this.resolve(name);
    this.sendCommand(name, args, RECIPIENT.ALL_GMS);
    if (this.self?.isGM) this.runLocalDetached(name, fn, args);
  }

  async executeForOtherGMs(name: string, ...args: unknown[]): Promise<void> {
    this.resolve(name);
    this.sendCommand(name, args, RECIPIENT.ALL_GMS);
  }

  async executeForUsers(name: string, userIds: string[], ...args: unknown[]): Promise<void> {
    if (!Array.isArray(userIds)) throw new TypeError("Recipients parameter must be an array of user ids.");
    const fn = this.resolve(name);
    const selfIndex = userIds.indexOf(this.deps.userId);
    // Like socketlib: the caller's array is mutated.
    if (selfIndex >= 0) userIds.splice(selfIndex, 1);
    if (userIds.length > 0) this.sendCommand(name, args, [...userIds]);
    if (selfIndex >= 0) this.runLocalDetached(name, fn, args);
  }

  /** Stop listening; pending requests are rejected so tests never hang. */
  dispose(): void {
    this.deps.socket.off(this.eventName, this.listener);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new SocketlibInternalError(`socketlib disposed while '${p.handlerName}' was pending.`));
    }
  }

  private get self(): FoundryUser | undefined {
    return this.deps.users.get(this.deps.userId);
  }

  private findUser(pred: (u: FoundryUser) => boolean): FoundryUser | undefined {
    for (const u of this.deps.users) if (pred(u)) return u;
    return undefined;
  }

  private resolve(name: string): SocketlibHandler {
    const fn = this.functions.get(name);
    if (!fn)
      throw new SocketlibUnregisteredHandlerError(
        `No socket handler with the name '${name}' has been registered.`,
      );
    return fn;
  }

  private call(fn: SocketlibHandler, senderId: string, args: unknown[]): unknown {
    return (fn as (this: unknown, ...a: unknown[]) => unknown).call(
      { socketdata: { userId: senderId } },
      ...args,
    );
  }

  private runLocal(fn: SocketlibHandler, args: unknown[]): unknown {
    return this.call(fn, this.deps.userId, args);
  }

  /** socketlib runs the local handler synchronously and logs what it throws (a rejected promise stays unhandled). */
  private runLocalDetached(_name: string, fn: SocketlibHandler, args: unknown[]): void {
    try {
      this.runLocal(fn, args);
    } catch (e) {
      console.error(e);
    }
  }

  private emit(message: SocketlibMessage): void {
    this.sent.push(message);
    this.deps.socket.emit(this.eventName, message);
  }

  private sendCommand(handlerName: string, args: unknown[], recipient: Recipient): void {
    this.emit({ handlerName, args, recipient, id: randomId(), type: MESSAGE_TYPE.COMMAND });
  }

  private sendRequest(handlerName: string, args: unknown[], recipient: Recipient): Promise<unknown> {
    const id = randomId();
    const promise = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { handlerName, resolve, reject });
    });
    this.emit({ handlerName, args, recipient, id, type: MESSAGE_TYPE.REQUEST });
    return promise;
  }

  private isRecipient(recipient: unknown): boolean {
    if (Array.isArray(recipient)) return recipient.includes(this.deps.userId);
    switch (recipient) {
      case RECIPIENT.ONE_GM:
        return this.deps.users.activeGM?.id === this.deps.userId;
      case RECIPIENT.ALL_GMS:
        return this.self?.isGM === true;
      case RECIPIENT.EVERYONE:
        return true;
      default:
        return false;
    }
  }

  private onReceived(message: unknown, senderId: string): void {
    if (!isMessage(message)) return;
    if (message.type === MESSAGE_TYPE.COMMAND || message.type === MESSAGE_TYPE.REQUEST) {
      this.handleRequest(message, senderId).catch((error: unknown) => {
        this.unhandled.push(error);
        if (this.onUnhandled) this.onUnhandled(error);
        else void Promise.reject(error);
      });
    } else {
      this.handleResponse(message);
    }
  }

  /**
   * Like socketlib's `_handleRequest`: an async function nobody awaits, so what it throws becomes an unhandled
   * rejection on this client (the test runner reports it).
   */
  private async handleRequest(message: SocketlibMessage, senderId: string): Promise<void> {
    if (!this.isRecipient(message.recipient)) return;
    const name = String(message.handlerName);
    const fn = this.functions.get(name);
    const isRequest = message.type === MESSAGE_TYPE.REQUEST;
    if (!fn) {
      if (isRequest) {
        this.emit({
          id: message.id,
          type: MESSAGE_TYPE.UNREGISTERED,
          userId: this.deps.userId,
          recipient: [senderId],
        });
      }
      this.unregisteredErrors++;
      throw new SocketlibUnregisteredHandlerError(
        `No socket handler with the name '${name}' has been registered.`,
      );
    }
    const args = Array.isArray(message.args) ? message.args : [];
    if (!isRequest) {
      // Not awaited, as in socketlib: an async handler's rejection is unhandled too.
      this.call(fn, senderId, args);
      return;
    }
    let result: unknown;
    try {
      result = await this.call(fn, senderId, args);
    } catch (e) {
      console.error(`An exception occured while executing handler '${name}'.`);
      this.emit({
        id: message.id,
        type: MESSAGE_TYPE.EXCEPTION,
        userId: this.deps.userId,
        recipient: [senderId],
      });
      throw e;
    }
    this.emit({ id: message.id, type: MESSAGE_TYPE.RESULT, result, recipient: [senderId] });
  }

  private handleResponse(message: SocketlibMessage): void {
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    const who = message.userId ? (this.deps.users.get(message.userId)?.name ?? message.userId) : "unknown";
    switch (message.type) {
      case MESSAGE_TYPE.RESULT:
        request.resolve(message.result);
        break;
      case MESSAGE_TYPE.EXCEPTION:
        request.reject(
          new SocketlibRemoteException(
            `An exception occured during remote execution of handler '${request.handlerName}'. Please see ${who}'s error console for details.`,
          ),
        );
        break;
      case MESSAGE_TYPE.UNREGISTERED:
        request.reject(
          new SocketlibUnregisteredHandlerError(
            `Executing the handler '${request.handlerName}' has been refused by ${who}'s client, because this handler hasn't been registered on that client.`,
          ),
        );
        break;
      default:
        request.reject(
          new SocketlibInternalError(
            `Unknown result type '${message.type}' for handler '${request.handlerName}'.`,
          ),
        );
    }
  }
}

export class SimSocketlib {
  private readonly modules = new Map<string, SimSocketlibSocket>();
  readonly errors = errors;

  constructor(private readonly deps: SimSocketlibDeps) {}

  /** The socket registered for `id`, if any (does not register). */
  registered(id: string): SimSocketlibSocket | undefined {
    return this.modules.get(id);
  }

  /** Returns the same socket for the same id, like socketlib. Its socket listener starts now. */
  registerModule(id: string): SimSocketlibSocket | undefined {
    const existing = this.modules.get(id);
    if (existing) return existing;
    const socket = new SimSocketlibSocket(id, this.deps);
    this.modules.set(id, socket);
    return socket;
  }

  /** Detach every registered socket (pending requests reject). */
  dispose(): void {
    for (const s of this.modules.values()) s.dispose();
    this.modules.clear();
  }
}

export function createSimSocketlib(deps: SimSocketlibDeps): SimSocketlib {
  return new SimSocketlib(deps);
}
