import { describe, expect, it } from "vitest";
import { TransportError } from "../../../src/contract/errors";
import type { FoundryEnv, FoundrySocket, SocketlibSocket } from "../../../src/foundry/types";
import { detectTransport } from "../../../src/transports/detect";
import { thrownBy } from "../support";

const socket: FoundrySocket = {
  connected: true,
  emit: () => undefined,
  on: () => undefined,
  off: () => undefined,
};

const socketlibSocket = { register: () => undefined } as unknown as SocketlibSocket;

function env(opts: { socket: boolean; socketlibActive: boolean; socketlibRegistered: boolean }): FoundryEnv {
  return {
    userId: "u1",
    users: { get: () => undefined, [Symbol.iterator]: () => [][Symbol.iterator]() },
    socket: opts.socket ? socket : null,
    hooks: { on: () => 0, once: () => 0, off: () => undefined, callAll: () => true },
    socketlib: { active: opts.socketlibActive, socket: opts.socketlibRegistered ? socketlibSocket : null },
    notify: () => undefined,
    localize: (key) => key,
  };
}

const preferred = { preferSocketLib: true, fallbackToLocal: true };

describe("detectTransport", () => {
  it("picks socketlib when it is active, preferred and registered", () => {
    const detection = detectTransport(
      env({ socket: true, socketlibActive: true, socketlibRegistered: true }),
      preferred,
    );
    expect(detection).toEqual({ kind: "socketlib" });
  });

  it("falls to native with a warning when socketlib is active but registration failed", () => {
    const detection = detectTransport(
      env({ socket: true, socketlibActive: true, socketlibRegistered: false }),
      preferred,
    );
    expect(detection.kind).toBe("native");
    expect(detection.warning).toMatch(/socketlib/);
  });

  it("uses native without a warning when socketlib is not preferred", () => {
    const detection = detectTransport(
      env({ socket: true, socketlibActive: true, socketlibRegistered: true }),
      {
        preferSocketLib: false,
        fallbackToLocal: true,
      },
    );
    expect(detection).toEqual({ kind: "native" });
  });

  it("uses native without a warning when socketlib is not active", () => {
    const detection = detectTransport(
      env({ socket: true, socketlibActive: false, socketlibRegistered: false }),
      preferred,
    );
    expect(detection).toEqual({ kind: "native" });
  });

  it("uses local, with a warning, when there is no socket and fallbackToLocal is on", () => {
    for (const socketlibActive of [false, true]) {
      const detection = detectTransport(
        env({ socket: false, socketlibActive, socketlibRegistered: false }),
        preferred,
      );
      expect(detection.kind).toBe("local");
      expect(detection.warning).toBeTruthy();
    }
  });

  it("never picks socketlib without game.socket", () => {
    const detection = detectTransport(
      env({ socket: false, socketlibActive: true, socketlibRegistered: true }),
      preferred,
    );
    expect(detection.kind).toBe("local");
  });

  it("throws TransportError when there is no socket and fallbackToLocal is off", () => {
    const err = thrownBy(() =>
      detectTransport(env({ socket: false, socketlibActive: false, socketlibRegistered: false }), {
        preferSocketLib: true,
        fallbackToLocal: false,
      }),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("TransportError");
  });

  it("does not need fallbackToLocal when a socket exists", () => {
    const detection = detectTransport(
      env({ socket: true, socketlibActive: false, socketlibRegistered: false }),
      {
        preferSocketLib: true,
        fallbackToLocal: false,
      },
    );
    expect(detection.kind).toBe("native");
  });
});
