// Messages between the benchmark runner and the child process that runs one POP3 client, plus the child's
// memory readings. Each client runs in its own child so its peak RSS is its own.
import { readFileSync } from 'node:fs';

export type PeerName = 'mailcase' | 'node-pop3';

/** Sent by the runner over IPC, so the password never appears on a command line. */
export interface PeerTask {
  host: string;
  port: number;
  /** Security mode: 'tls' connects with implicit TLS (POP3S). node-pop3 runs only over plain POP3. */
  security: 'none' | 'tls';
  /** PEM of a CA certificate to trust besides the system store, such as the test server's certificate for POP3S. */
  ca?: string;
  user: string;
  password: string;
  /** When true, node-pop3's output is hashed and compared with the originals; the run is then not timed. */
  compareOutput: boolean;
  /** The originals in message-number order. */
  expected: ExpectedMessage[];
}

export interface ExpectedMessage {
  sha256: string;
  size: number;
}

/** Comparison of a client's output with the original messages. */
export interface OutputComparison {
  identical: number;
  differing: number;
  /** Known causes among the differing messages; null when the output was only compared by SHA-256. */
  causes: DifferenceCauses | null;
}

/** Counts of messages showing each known alteration; one message can show several. */
export interface DifferenceCauses {
  /** Output lacks the CRLF that ends the original's last line. */
  lostFinalCrlf: number;
  /** Output contains a line starting "..", which the originals never have, so a stuffing dot was kept. */
  keptStuffingDot: number;
  /** Output contains U+FFFD, so octets that were not valid UTF-8 were replaced. */
  replacedOctets: number;
}

/** Sent back by the child once the acquisition has finished. */
export interface PeerResult {
  peer: PeerName;
  /** Time from connecting to QUIT, in milliseconds. */
  wallMs: number;
  messageCount: number;
  /** Peak RSS before connecting, in bytes, as readPeakRss returns it. */
  startRssBytes: number;
  /** Peak RSS after QUIT, in bytes, as readPeakRss returns it. */
  peakRssBytes: number;
  /**
   * process.resourceUsage().maxRSS after QUIT, in bytes, kept for comparison only. On Linux a forked child's
   * value starts at the parent's RSS at fork time, so it overstates the peak of a child smaller than its parent.
   */
  maxRssBytes: number;
  /** Present when the output was compared with the originals. */
  comparison: OutputComparison | null;
}

export type PeerReply = { ok: true; result: PeerResult } | { ok: false; error: string };

/**
 * Returns the process's peak resident set size so far, in bytes: VmHWM from /proc/self/status, which starts
 * afresh at exec, or process.resourceUsage().maxRSS where that file does not exist.
 */
export function readPeakRss(): number {
  return readVmHwm() ?? readMaxRss();
}

/** Returns process.resourceUsage().maxRSS in bytes (Node reports kibibytes). */
export function readMaxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Returns VmHWM from /proc/self/status in bytes, or null where that file does not exist. */
function readVmHwm(): number | null {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return null;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : null;
}

/**
 * Waits for the runner's task, runs `work` and sends the reply. Meant to be the whole body of a child's entry
 * module; the child exits once the reply is sent.
 */
export function servePeerTask(work: (task: PeerTask) => Promise<PeerResult>): void {
  const send = process.send?.bind(process);
  if (!send) {
    console.error('This module is a benchmark child process; run it through scripts/bench/run.ts.');
    process.exitCode = 2;
    return;
  }

  process.once('message', (task: PeerTask) => {
    work(task)
      .then((result): PeerReply => ({ ok: true, result }))
      .catch((error: unknown): PeerReply => ({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .then((reply) => send(reply, () => process.disconnect()));
  });
}
