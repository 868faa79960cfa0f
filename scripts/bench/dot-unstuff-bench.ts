// Micro benchmark of the streaming DotUnstuffer against the whole-buffer reference decoder from the tests,
// both decoding the same dot-stuffed wire stream in this process.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { DotUnstuffer } from '../../electron/acquisition/dot-unstuff.js';
import { stuffMessage, unstuffWholeResponse } from '../../test/helpers/pop3-reference.js';
import { median } from './acquisition-bench.js';
import type { SyntheticMailbox } from './synthetic-mailbox.js';

const MIB = 1024 * 1024;

/** Chunk size fed to the DotUnstuffer, the size of a typical socket read. */
export const MICRO_CHUNK_OCTETS = 64 * 1024;

export interface DecoderTiming {
  runsMs: number[];
  medianMs: number;
  /** Wire octets decoded per second, in MiB. */
  mibPerSecond: number;
}

export interface DotUnstuffBenchResult {
  messageOctets: number;
  wireOctets: number;
  dotLines: number;
  chunkOctets: number;
  streaming: DecoderTiming;
  reference: DecoderTiming;
}

/**
 * Builds one message of at least `targetMib` MiB from the mailbox's messages, dot-stuffs it, checks that both
 * decoders return the original octets, then times each decoder `runs` times, alternating between them.
 */
export function benchDotUnstuffer(mailbox: SyntheticMailbox, targetMib: number, runs: number): DotUnstuffBenchResult {
  const message = concatenateMessages(mailbox, targetMib * MIB);
  const wire = stuffMessage(message);
  const expectedSha256 = sha256(message);

  const streamed = createHash('sha256');
  decodeStreaming(wire, (octets) => streamed.update(octets));
  if (streamed.digest('hex') !== expectedSha256) throw new Error('DotUnstuffer output differs from the original message');
  if (sha256(unstuffWholeResponse(wire).message) !== expectedSha256) throw new Error('Reference decoder output differs from the original message');

  const streamingMs: number[] = [];
  const referenceMs: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    streamingMs.push(time(() => decodeStreaming(wire, () => undefined)));
    referenceMs.push(time(() => unstuffWholeResponse(wire)));
  }

  return {
    messageOctets: message.length,
    wireOctets: wire.length,
    dotLines: wire.length - message.length - '.\r\n'.length,
    chunkOctets: MICRO_CHUNK_OCTETS,
    streaming: summariseTimings(streamingMs, wire.length),
    reference: summariseTimings(referenceMs, wire.length),
  };
}

/** Feeds the wire stream to a DotUnstuffer in fixed-size chunks; throws when the terminator is not found. */
function decodeStreaming(wire: Buffer, onData: (octets: Buffer) => void): void {
  const decoder = new DotUnstuffer();
  for (let offset = 0; offset < wire.length && !decoder.isDone; offset += MICRO_CHUNK_OCTETS) {
    const step = decoder.push(wire.subarray(offset, offset + MICRO_CHUNK_OCTETS));
    for (const octets of step.data) onData(octets);
  }
  if (!decoder.isDone) throw new Error('DotUnstuffer did not find the terminator line');
}

/** Joins whole messages, cycling through the mailbox, until the result reaches `targetOctets`. */
function concatenateMessages(mailbox: SyntheticMailbox, targetOctets: number): Buffer {
  if (mailbox.messages.length === 0) throw new Error('The mailbox has no messages to build the micro benchmark stream from');
  const parts: Buffer[] = [];
  let size = 0;
  for (let index = 0; size < targetOctets; index = (index + 1) % mailbox.messages.length) {
    const octets = mailbox.messages[index]?.octets ?? Buffer.alloc(0);
    parts.push(octets);
    size += octets.length;
  }
  return Buffer.concat(parts);
}

function time(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function summariseTimings(runsMs: number[], wireOctets: number): DecoderTiming {
  const medianMs = median(runsMs);
  return { runsMs, medianMs, mibPerSecond: wireOctets / MIB / (medianMs / 1000) };
}

function sha256(octets: Buffer): string {
  return createHash('sha256').update(octets).digest('hex');
}
