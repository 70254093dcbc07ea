import type { ProviderLogLevel } from "@openmcp-ts/contract";

const RANK: Record<ProviderLogLevel, number> = { ERROR: 0, INFO: 1, DEBUG: 2 };

/** JSON-line logger (logr/zap style): a constant message plus fields, filtered by verbosity. */
export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  level: ProviderLogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  base: Record<string, unknown> = {},
): Logger {
  const log = (at: ProviderLogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[at] > RANK[level]) return;
    const entry: Record<string, unknown> = {
      ts: new Date().toISOString(),
      level: at.toLowerCase(),
      msg,
      ...base,
      ...fields,
    };
    for (const [key, value] of Object.entries(entry)) if (value instanceof Error) entry[key] = value.message;
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    error: (msg, fields) => log("ERROR", msg, fields),
    info: (msg, fields) => log("INFO", msg, fields),
    debug: (msg, fields) => log("DEBUG", msg, fields),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}
