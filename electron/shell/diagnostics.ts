// Gathers what support needs to look into a problem: versions, platform and the recent log lines. Log
// lines never hold passwords or message content, so the text is safe to paste into a support request.
import { promises as fs } from 'node:fs';
import os from 'node:os';

import { APP_VERSION } from '../../shared/version.js';

/** Log lines included, newest last. */
export const DIAGNOSTIC_LOG_LINES = 200;
/** Octets read from the end of the log file to find those lines. */
const LOG_TAIL_OCTETS = 256 * 1024;

export interface DiagnosticsInput {
  /** Log file to quote, or null when logs go elsewhere. */
  logFile: string | null;
  /** process.versions of the running process; Electron adds electron and chrome. */
  versions: Readonly<Record<string, string | undefined>>;
  /** Mode the app runs in, for example "desktop" or "browser review mode". */
  mode: string;
}

/** Returns a plain-text report of versions, platform and the last DIAGNOSTIC_LOG_LINES log lines. */
export async function collectDiagnostics(input: DiagnosticsInput): Promise<string> {
  const lines = [
    `Mailcase ${APP_VERSION} (${input.mode})`,
    `Node ${input.versions['node'] ?? 'unknown'}`,
    `Electron ${input.versions['electron'] ?? 'not running'}`,
    `Chrome ${input.versions['chrome'] ?? 'not running'}`,
    `Platform ${os.platform()} ${os.release()} ${os.arch()}`,
    `Generated ${new Date().toISOString()}`,
    '',
  ];
  if (input.logFile === null) {
    lines.push('Log: not written to a file in this mode.');
    return lines.join('\n');
  }

  lines.push(`Log: ${input.logFile}`);
  const tail = await readLogTail(input.logFile);
  lines.push(...(tail.length > 0 ? tail : ['(the log is empty)']));
  return lines.join('\n');
}

async function readLogTail(logFile: string): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(logFile, 'r');
  } catch {
    return ['(the log file cannot be read)'];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_OCTETS);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((line) => line !== '');
    // The first line may start mid-line when the read began inside it.
    if (length < size) lines.shift();
    return lines.slice(-DIAGNOSTIC_LOG_LINES);
  } finally {
    await handle.close();
  }
}
