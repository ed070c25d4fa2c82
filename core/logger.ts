/**
 * The one logger of tsrl. Library code logs through it (never `console.log`); the CLI decides what
 * reaches the terminal. Lines go to stderr so that stdout stays free for results (`--json`).
 *
 * The level comes from `TSRL_LOG_LEVEL` (`debug`, `info`, `warn`, `error`, `silent`); default `info`.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 99,
};

/** A sink receives every line at or above the logger's level. Tests swap it to capture output. */
export type LogSink = (level: Exclude<LogLevel, 'silent'>, scope: string, message: string) => void;

const stderrSink: LogSink = (level, scope, message) => {
  process.stderr.write(`[tsrl ${level}] ${scope}: ${message}\n`);
};

let currentLevel: LogLevel = parseLevel(process.env['TSRL_LOG_LEVEL']) ?? 'info';
let currentSink: LogSink = stderrSink;

function parseLevel(value: string | undefined): LogLevel | undefined {
  return value !== undefined && value in LEVEL_ORDER ? (value as LogLevel) : undefined;
}

/** Sets the minimum level that is written. */
export function setLogLevel(level: LogLevel): void {
  currentLevel = level;
}

/** The minimum level now written. */
export function getLogLevel(): LogLevel {
  return currentLevel;
}

/** Replaces where lines go; returns the previous sink so a caller can restore it. */
export function setLogSink(sink: LogSink): LogSink {
  const previous = currentSink;
  currentSink = sink;
  return previous;
}

/** A logger bound to a scope such as `backend` or `ppo`. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Returns a logger whose lines are prefixed with `scope`. */
export function createLogger(scope: string): Logger {
  const write = (level: Exclude<LogLevel, 'silent'>, message: string): void => {
    if (LEVEL_ORDER[level] >= LEVEL_ORDER[currentLevel]) currentSink(level, scope, message);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
