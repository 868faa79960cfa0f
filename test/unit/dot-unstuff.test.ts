import { describe, expect, it } from 'vitest';

import { DotUnstuffer } from '../../electron/acquisition/dot-unstuff.js';
import { MailcaseError } from '../../shared/errors.js';
import { stuffMessage, unstuffWholeResponse } from '../helpers/pop3-reference.js';

interface DecodeOutcome {
  message: Buffer;
  done: boolean;
  rest: Buffer;
}

/** Feeds the chunks in order until the terminator; returns the output and every octet after the terminator. */
function decodeChunks(chunks: Buffer[], maxOctets?: number): DecodeOutcome {
  const decoder = new DotUnstuffer(maxOctets);
  const output: Buffer[] = [];
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    if (decoder.isDone) {
      rest.push(chunk);
      continue;
    }
    const step = decoder.push(chunk);
    output.push(...step.data);
    if (step.done) rest.push(step.rest);
  }
  return { message: Buffer.concat(output), done: decoder.isDone, rest: Buffer.concat(rest) };
}

function splitAt(wire: Buffer, positions: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const position of positions) {
    chunks.push(wire.subarray(start, position));
    start = position;
  }
  chunks.push(wire.subarray(start));
  return chunks;
}

function oneByteChunks(wire: Buffer): Buffer[] {
  return Array.from(wire, (octet) => Buffer.from([octet]));
}

const NEXT_RESPONSE = Buffer.from('+OK next\r\n');

/** Tells whether the chunks decode to exactly `expected`, followed by exactly the next response. */
function decodesExactly(chunks: Buffer[], expected: Buffer): boolean {
  const outcome = decodeChunks(chunks);
  return outcome.done && outcome.message.equals(expected) && outcome.rest.equals(NEXT_RESPONSE);
}

interface Case {
  name: string;
  wire: Buffer;
  expected: Buffer;
}

const allOctets = Buffer.from(Array.from({ length: 256 }, (_, octet) => octet));
const longLine = Buffer.from('a'.repeat(10_000));

const CASES: Case[] = [
  {
    name: 'lines ".", "..", ".x" and "..." after stuffing',
    wire: Buffer.from('..\r\n...\r\n..x\r\n....\r\n.\r\n'),
    expected: Buffer.from('.\r\n..\r\n.x\r\n...\r\n'),
  },
  {
    name: 'a line that starts with one unstuffed dot',
    wire: Buffer.from('.x\r\n.\r\n'),
    expected: Buffer.from('x\r\n'),
  },
  {
    name: 'every octet value including NUL and 8-bit',
    wire: Buffer.concat([allOctets, Buffer.from('\r\n.\r\n')]),
    expected: Buffer.concat([allOctets, Buffer.from('\r\n')]),
  },
  {
    name: 'bare CR and bare LF inside lines',
    wire: Buffer.from('a\rb\nc\r\n\r\r\n\n\n\r\n.\r\n'),
    expected: Buffer.from('a\rb\nc\r\n\r\r\n\n\n\r\n'),
  },
  {
    name: 'a dot after a bare LF as data',
    wire: Buffer.from('x\n.\r\n.\r\n'),
    expected: Buffer.from('x\n.\r\n'),
  },
  {
    name: 'a dot line followed by CR and data',
    wire: Buffer.from('.\rx\r\n.\r\n'),
    expected: Buffer.from('\rx\r\n'),
  },
  {
    name: 'a dot line followed by two CRs',
    wire: Buffer.from('.\r\r\n.\r\n'),
    expected: Buffer.from('\r\r\n'),
  },
  {
    name: 'a 10,000-character line',
    wire: Buffer.concat([longLine, Buffer.from('\r\n.\r\n')]),
    expected: Buffer.concat([longLine, Buffer.from('\r\n')]),
  },
  {
    name: 'an empty body',
    wire: Buffer.from('.\r\n'),
    expected: Buffer.alloc(0),
  },
  {
    name: 'empty lines',
    wire: Buffer.from('\r\n\r\n.\r\n'),
    expected: Buffer.from('\r\n\r\n'),
  },
  {
    // A stored message without a final line break reaches the client with a CRLF that the server added before
    // the terminator. The decoder keeps it, because the wire cannot show that it was not in the file.
    name: 'a message whose file lacked a final line break',
    wire: Buffer.from('Subject: x\r\n\r\nno newline\r\n.\r\n'),
    expected: Buffer.from('Subject: x\r\n\r\nno newline\r\n'),
  },
];

describe('DotUnstuffer', () => {
  for (const testCase of CASES) {
    const wire = Buffer.concat([testCase.wire, NEXT_RESPONSE]);

    it(`decodes ${testCase.name} in one chunk`, () => {
      const outcome = decodeChunks([wire]);
      expect(outcome.message).toEqual(testCase.expected);
      expect(outcome.done).toBe(true);
      expect(outcome.rest).toEqual(NEXT_RESPONSE);
    });

    it(`decodes ${testCase.name} at every split`, () => {
      const failedSplits: number[] = [];
      for (let position = 0; position <= wire.length; position += 1) {
        if (!decodesExactly(splitAt(wire, [position]), testCase.expected)) failedSplits.push(position);
      }
      expect(failedSplits).toEqual([]);
    });

    it(`decodes ${testCase.name} in 1-byte chunks`, () => {
      const outcome = decodeChunks(oneByteChunks(wire));
      expect(outcome.message).toEqual(testCase.expected);
      expect(outcome.rest).toEqual(NEXT_RESPONSE);
    });

    if (wire.length <= 300) {
      it(`decodes ${testCase.name} at every pair of splits`, () => {
        const failedSplits: string[] = [];
        for (let first = 0; first <= wire.length; first += 1) {
          for (let second = first; second <= wire.length; second += 1) {
            if (!decodesExactly(splitAt(wire, [first, second]), testCase.expected)) failedSplits.push(`${first},${second}`);
          }
        }
        expect(failedSplits).toEqual([]);
      });
    }

    it(`matches the whole-buffer reference for ${testCase.name}`, () => {
      expect(unstuffWholeResponse(wire).message).toEqual(testCase.expected);
    });
  }

  it('waits for LF when the terminator arrives as "." then CRLF', () => {
    const decoder = new DotUnstuffer();
    const first = decoder.push(Buffer.from('body\r\n.'));
    expect(first.done).toBe(false);
    expect(Buffer.concat(first.data)).toEqual(Buffer.from('body\r\n'));

    const second = decoder.push(Buffer.from('\r\n'));
    expect(second.done).toBe(true);
    expect(second.data).toEqual([]);
    expect(second.rest).toEqual(Buffer.alloc(0));
  });

  it('does not end on a chunk that is exactly "." CRLF mid-line', () => {
    const outcome = decodeChunks([Buffer.from('abc'), Buffer.from('.\r\n'), Buffer.from('.\r\n')]);
    expect(outcome.message).toEqual(Buffer.from('abc.\r\n'));
    expect(outcome.done).toBe(true);
  });

  it('reports not done while the terminator is missing', () => {
    const outcome = decodeChunks([Buffer.from('line\r\n..\r\n')]);
    expect(outcome.done).toBe(false);
    expect(outcome.message).toEqual(Buffer.from('line\r\n.\r\n'));
  });

  it('counts decoded and wire octets', () => {
    const decoder = new DotUnstuffer();
    decoder.push(Buffer.from('..a\r\n.\r\n+OK'));
    expect(decoder.messageOctets).toBe(4);
    expect(decoder.wireOctets).toBe(8);
  });

  it('round-trips a stuffed message through the decoder', () => {
    const message = Buffer.from('.\r\n..\r\nplain\r\n.x\r\n');
    const outcome = decodeChunks([stuffMessage(message)]);
    expect(outcome.message).toEqual(message);
  });

  it('rejects a message over the octet limit', () => {
    let caught: unknown;
    try {
      decodeChunks([Buffer.from('123456\r\n.\r\n')], 5);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MailcaseError);
    expect((caught as MailcaseError).code).toBe('POP3_LIMIT_EXCEEDED');
  });

  it('accepts a message of exactly the octet limit', () => {
    const outcome = decodeChunks([Buffer.from('123\r\n.\r\n')], 5);
    expect(outcome.message).toEqual(Buffer.from('123\r\n'));
  });

  it('rejects data after the terminator', () => {
    const decoder = new DotUnstuffer();
    decoder.push(Buffer.from('.\r\n'));
    expect(() => decoder.push(Buffer.from('x'))).toThrow(MailcaseError);
  });
});
