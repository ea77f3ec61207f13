import { describe, expect, it } from "vitest";
import {
  errorMessage,
  errors,
  NoGMError,
  NoHandlerError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RemoteHandlerError,
  SocketManagerError,
  TimeoutError,
  TransportError,
  UserOfflineError,
  ValidationError,
} from "../../src/contract/errors";
import { Metrics } from "../../src/metrics/metrics";
import { remembering } from "../../src/services/core";

const CLASSES = [
  ["SocketManagerError", SocketManagerError],
  ["TimeoutError", TimeoutError],
  ["NoGMError", NoGMError],
  ["UserOfflineError", UserOfflineError],
  ["PermissionDeniedError", PermissionDeniedError],
  ["ValidationError", ValidationError],
  ["RemoteHandlerError", RemoteHandlerError],
  ["NoHandlerError", NoHandlerError],
  ["PayloadTooLargeError", PayloadTooLargeError],
  ["TransportError", TransportError],
] as const;

describe("error classes", () => {
  it("the errors object exposes exactly the contract's classes, frozen", () => {
    expect(Object.keys(errors).sort()).toEqual(CLASSES.map(([n]) => n).sort());
    for (const [name, cls] of CLASSES) expect(errors[name]).toBe(cls);
    expect(Object.isFrozen(errors)).toBe(true);
  });

  it.each(CLASSES)("%s is a SocketManagerError and an Error with a stable name and code", (name, cls) => {
    const err = new cls("went wrong");
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(SocketManagerError);
    expect(err).toBeInstanceOf(cls);
    expect(err.name).toBe(name);
    expect(err.code).toBe(name);
    expect(new cls("again", { moduleId: "m" }).code).toBe(name);
    expect(err.message).toContain("went wrong");
    expect(err.message).toContain("Socket Manager");
    expect(typeof err.stack).toBe("string");
    expect(String(err)).toContain(name);
  });

  it.each(CLASSES)("%s names the module and the event in its message", (_name, cls) => {
    const err = new cls("no answer", { moduleId: "my-module", event: "roll", userId: "u1" });
    expect(err.message).toContain("my-module");
    expect(err.message).toContain("roll");
    expect(err.message).toContain("no answer");
    expect(err.moduleId).toBe("my-module");
    expect(err.event).toBe("roll");
    expect(err.userId).toBe("u1");
  });

  it("names the module alone when no event is given", () => {
    const err = new NoGMError("no GM", { moduleId: "my-module" });
    expect(err.message).toContain("my-module");
    expect(err.event).toBeUndefined();
  });

  it("leaves the details undefined when none are given", () => {
    const err = new SocketManagerError("plain");
    expect(err.moduleId).toBeUndefined();
    expect(err.event).toBeUndefined();
    expect(err.userId).toBeUndefined();
    expect(err.cause).toBeUndefined();
  });

  it("keeps the cause", () => {
    const cause = new Error("root");
    const err = new TransportError("failed", { moduleId: "m", cause });
    expect(err.cause).toBe(cause);
  });

  it("subclasses do not leak into each other", () => {
    expect(new TimeoutError("x")).not.toBeInstanceOf(NoGMError);
    expect(new ValidationError("x")).not.toBeInstanceOf(TimeoutError);
  });
});

describe("error-specific fields", () => {
  it("TimeoutError.missing lists who did not answer, empty by default", () => {
    expect(new TimeoutError("t", { missing: ["u1", "u2"] }).missing).toEqual(["u1", "u2"]);
    expect(new TimeoutError("t").missing).toEqual([]);
  });

  it("RemoteHandlerError.remoteMessage carries the remote message, empty by default", () => {
    const err = new RemoteHandlerError("handler failed", {
      moduleId: "m",
      event: "e",
      remoteMessage: "boom",
    });
    expect(err.remoteMessage).toBe("boom");
    expect(new RemoteHandlerError("x").remoteMessage).toBe("");
  });

  it("ValidationError.issues carries the issues, empty by default", () => {
    const issues = [{ message: "too small", path: ["a", 0] }, { message: "bad" }];
    expect(new ValidationError("invalid", { issues }).issues).toEqual(issues);
    expect(new ValidationError("invalid").issues).toEqual([]);
  });
});

describe("errorMessage", () => {
  it("gives the text of anything thrown and never throws, even for what a peer sent", () => {
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(undefined)).toBe("undefined");
    // Valid JSON: String() of it throws "Cannot convert object to primitive value".
    const hostile = JSON.parse('{"toString":1}');
    expect(() => String(hostile)).toThrow();
    expect(errorMessage(hostile)).toBe("[object Object]");
    expect(errorMessage(JSON.parse('{"toString":1,"valueOf":1}'))).toBe("[object Object]");
  });

  it("lets the logger that remembers errors for the status window log a peer's object", () => {
    const seen: unknown[][] = [];
    const quiet = { debug() {}, info() {}, warn: (...a: unknown[]) => void seen.push(a), error() {} };
    const metrics = new Metrics(
      () => 0,
      () => false,
      () => {},
    );
    const log = remembering(quiet, metrics);
    expect(() => log.warn("a handler threw:", JSON.parse('{"toString":1}'))).not.toThrow();
    expect(seen).toHaveLength(1);
  });
});
