/** JSON-line logger (logr/zap style): a constant message plus fields, filtered by verbosity. */

export type LogLevel = "ERROR" | "INFO" | "DEBUG";
const RANK: Record<LogLevel, number> = { ERROR: 0, INFO: 1, DEBUG: 2 };

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function parseLogLevel(value: string): LogLevel | undefined {
  const upper = value.toUpperCase();
  return upper === "ERROR" || upper === "INFO" || upper === "DEBUG" ? upper : undefined;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
  base: Record<string, unknown> = {},
): Logger {
  const log = (at: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[at] > RANK[level]) return;
    const entry: Record<string, unknown> = {
      ts: new Date().toISOString(),
      level: at.toLowerCase(),
      msg,
      ...base,
      ...fields,
    };
    for (const [k, v] of Object.entries(entry)) if (v instanceof Error) entry[k] = v.message;
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    error: (m, f) => log("ERROR", m, f),
    info: (m, f) => log("INFO", m, f),
    debug: (m, f) => log("DEBUG", m, f),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}
