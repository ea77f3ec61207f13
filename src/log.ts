/** Console output, every line prefixed so a GM can tell which package spoke. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const PREFIX = "Socket Manager |";

export function createLogger(
  isDebug: () => boolean,
  sink: Pick<Console, "debug" | "info" | "warn" | "error"> = console,
  prefix = PREFIX,
): Logger {
  return {
    debug: (...args) => {
      if (isDebug()) sink.debug(prefix, ...args);
    },
    info: (...args) => sink.info(prefix, ...args),
    warn: (...args) => sink.warn(prefix, ...args),
    error: (...args) => sink.error(prefix, ...args),
  };
}
