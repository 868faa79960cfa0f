// Benchmark child: fetches the whole mailbox with node-pop3 0.11 (UIDL, LIST, then RETR of every message).
// node-pop3 returns each message as a UTF-8 decoded string. A timed run only counts the strings, and a separate
// comparison run hashes each one against the original octets.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import Pop3Command from 'node-pop3';

import { readMaxRss, readPeakRss, servePeerTask, type DifferenceCauses, type PeerResult, type PeerTask } from './peer-protocol.js';

/** node-pop3's socket idle timeout; a stalled transfer then fails instead of hanging the child. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/** Matches a line that starts with "..". */
const STUFFED_LINE_PATTERN = /(?:^|\r\n)\.\./;

/** Runs one acquisition with node-pop3; with `compareOutput` each message is also checked against the original. */
async function runNodePop3(task: PeerTask): Promise<PeerResult> {
  const client = new Pop3Command({ host: task.host, port: task.port, user: task.user, password: task.password, timeout: SOCKET_IDLE_TIMEOUT_MS });
  const causes: DifferenceCauses = { lostFinalCrlf: 0, keptStuffingDot: 0, replacedOctets: 0 };
  let identical = 0;
  let receivedCodeUnits = 0;
  const startRssBytes = readPeakRss();

  const started = performance.now();
  await client.UIDL();
  const listing = await client.LIST();
  for (let messageNumber = 1; messageNumber <= listing.length; messageNumber += 1) {
    const text = await client.RETR(messageNumber);
    receivedCodeUnits += text.length;
    if (!task.compareOutput) continue;

    const expected = task.expected[messageNumber - 1];
    const octets = Buffer.from(text, 'utf8');
    if (expected && createHash('sha256').update(octets).digest('hex') === expected.sha256) {
      identical += 1;
      continue;
    }
    if (!text.endsWith('\r\n')) causes.lostFinalCrlf += 1;
    if (STUFFED_LINE_PATTERN.test(text)) causes.keptStuffingDot += 1;
    if (text.includes('\uFFFD')) causes.replacedOctets += 1;
  }
  await client.QUIT();
  const wallMs = performance.now() - started;

  if (receivedCodeUnits === 0 && listing.length > 0) throw new Error('node-pop3 returned only empty messages');
  const messageCount = listing.length;
  return {
    peer: 'node-pop3',
    wallMs,
    messageCount,
    startRssBytes,
    peakRssBytes: readPeakRss(),
    maxRssBytes: readMaxRss(),
    comparison: task.compareOutput
      ? { identical, differing: Math.max(messageCount, task.expected.length) - identical, causes }
      : null,
  };
}

servePeerTask(runNodePop3);
