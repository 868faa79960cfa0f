// One structured logger for the Node side. Each module creates its child once; lines are JSON objects
// with ids, never passwords or message content.
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are replaced before a line is written, whatever module logs them. */
const REDACTED_KEYS = new Set(['password', 'pass', 'secret', 'passphrase', 'token', 'authorization', 'privateKey']);

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stderr.write(line + '\n');
let minimumLevel: LogLevel = (process.env.MAILCASE_LOG_LEVEL as LogLevel | undefined) ?? 'warn';

/** Sends every log line to another destination, such as a file or a test buffer. */
export function setLogSink(next: LogSink, level?: LogLevel): void {
  sink = next;
  currentFile = null;
  if (level) minimumLevel = level;
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (REDACTED_KEYS.has(key)) clean[key] = '[redacted]';
    else if (value instanceof Error) clean[key] = value.message;
    else clean[key] = value;
  }
  return clean;
}

/** Creates a logger whose lines carry the given module name and fields. */
export function createLogger(module: string, base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minimumLevel]) return;
    const line = { time: new Date().toISOString(), level, module, message, ...redact({ ...base, ...fields }) };
    sink(JSON.stringify(line));
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(module, { ...base, ...fields }),
  };
}

/** Size at which the log file is rotated to `<name>.1`. */
const LOG_FILE_ROTATE_BYTES = 5 * 1024 * 1024;
/** Rotated files kept beside the log: `<name>.1` (newest) to `<name>.3`; older lines are dropped. */
const LOG_FILES_KEPT = 3;

let currentFile: string | null = null;

/** Returns the file log lines go to, or null when they go to stderr or a test sink. */
export function currentLogFile(): string | null {
  return currentFile;
}

/** Sends log lines to a file, rotated once it passes LOG_FILE_ROTATE_BYTES. Falls back to stderr if the file cannot be written. */
export function logToFile(filePath: string, level: LogLevel = 'info'): void {
  mkdirSync(dirname(filePath), { recursive: true, mode: 0o700 });
  setLogSink((line) => {
    try {
      const size = statSync(filePath, { throwIfNoEntry: false })?.size ?? 0;
      if (size > LOG_FILE_ROTATE_BYTES) rotate(filePath);
      appendFileSync(filePath, line + '\n', { mode: 0o600 });
    } catch {
      process.stderr.write(line + '\n');
    }
  }, level);
  currentFile = filePath;
}

/** Shifts `<name>.1` to `<name>.2` and so on, dropping the oldest, then moves the log to `<name>.1`. */
function rotate(filePath: string): void {
  for (let index = LOG_FILES_KEPT - 1; index >= 1; index -= 1) {
    const from = `${filePath}.${index}`;
    if (statSync(from, { throwIfNoEntry: false })) renameSync(from, `${filePath}.${index + 1}`);
  }
  renameSync(filePath, `${filePath}.1`);
}
