// Streaming decoder for a POP3 multi-line response body (RFC 1939 section 3): undoes dot-stuffing and finds the
// CRLF "." CRLF terminator across arbitrary TCP chunk boundaries, passing every other octet through unchanged.
import { MailcaseError } from '../../shared/errors.js';
import { MAX_MESSAGE_OCTETS } from '../../shared/limits.js';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_BUFFER = Buffer.from([CR]);

/** Output of one `push`: decoded octets in order, whether the terminator was seen, and bytes after it. */
export interface DecodeStep {
  /** Decoded message octets; slices of the input chunk, so they stay valid as long as the chunk does. */
  data: Buffer[];
  /** True once the terminating "." line has been consumed. */
  done: boolean;
  /** Octets received after the terminator (the start of the next response); empty until done. */
  rest: Buffer;
}

/**
 * Position of the decoder between two octets.
 * - lineStart: the previous octets were CRLF (or nothing yet), so a "." here is special.
 * - dot: a "." opened the line and was dropped; the next octet decides what it was.
 * - dotCr: "." CR opened the line; LF ends the response, anything else makes the CR data.
 * - inLine: inside a line; `previousWasCr` records whether the last data octet was CR.
 */
type DecoderState = 'lineStart' | 'dot' | 'dotCr' | 'inLine' | 'done';

/**
 * Decodes one multi-line response body, fed chunk by chunk as it arrives after the "+OK" status line.
 *
 * A line is a run of octets ended by CRLF; a bare CR or a bare LF is data and does not end a line. A line that
 * starts with "." has that first octet removed, and a line that is exactly "." ends the response. The CRLF
 * that precedes the terminator ends the last message line, so it stays part of the output. Nothing else is
 * changed: 8-bit octets, NUL and lines of any length pass through as they are.
 */
export class DotUnstuffer {
  private state: DecoderState = 'lineStart';
  private previousWasCr = false;
  private decodedOctets = 0;
  private receivedOctets = 0;

  /** @param maxOctets largest decoded size accepted before POP3_LIMIT_EXCEEDED is thrown. */
  constructor(private readonly maxOctets: number = MAX_MESSAGE_OCTETS) {}

  /** Decoded octets emitted so far. */
  get messageOctets(): number {
    return this.decodedOctets;
  }

  /** Wire octets consumed so far, up to and including the terminator. */
  get wireOctets(): number {
    return this.receivedOctets;
  }

  get isDone(): boolean {
    return this.state === 'done';
  }

  /**
   * Decodes the next chunk. Throws POP3_LIMIT_EXCEEDED when the decoded size would pass the limit, and
   * POP3_PROTOCOL when called again after the terminator.
   */
  push(chunk: Buffer): DecodeStep {
    if (this.isDone) {
      throw new MailcaseError('POP3_PROTOCOL', 'Multi-line response decoder received data after the terminator');
    }

    const data: Buffer[] = [];
    let index = 0;
    while (index < chunk.length && !this.isDone) {
      index = this.step(chunk, index, data);
    }

    this.receivedOctets += index;
    const done = this.isDone;
    return { data, done, rest: done ? chunk.subarray(index) : Buffer.alloc(0) };
  }

  /** Consumes octets from `index` in the current state and returns the index of the first octet not consumed. */
  private step(chunk: Buffer, index: number, data: Buffer[]): number {
    const octet = chunk[index] as number;

    switch (this.state) {
      case 'lineStart':
        if (octet === DOT) {
          this.state = 'dot';
          return index + 1;
        }
        this.state = 'inLine';
        this.previousWasCr = false;
        return index;

      case 'dot':
        if (octet === CR) {
          this.state = 'dotCr';
          return index + 1;
        }
        // "..x" and ".x" both lose their first dot; the octet after it is ordinary line data.
        this.state = 'inLine';
        this.previousWasCr = false;
        return index;

      case 'dotCr':
        if (octet === LF) {
          this.state = 'done';
          return index + 1;
        }
        // "." CR followed by something other than LF: the dot is removed and the CR is data.
        this.emit(CR_BUFFER, data);
        this.state = 'inLine';
        this.previousWasCr = true;
        return index;

      case 'inLine':
        return this.consumeLine(chunk, index, data);

      case 'done':
        return index;
    }
  }

  /** Emits octets up to and including the next LF in the chunk, or the whole chunk when it has none. */
  private consumeLine(chunk: Buffer, index: number, data: Buffer[]): number {
    const lineFeed = chunk.indexOf(LF, index);
    if (lineFeed === -1) {
      this.emit(chunk.subarray(index), data);
      this.previousWasCr = chunk[chunk.length - 1] === CR;
      return chunk.length;
    }

    const octetBefore = lineFeed > index ? chunk[lineFeed - 1] : undefined;
    const endsWithCrLf = octetBefore === undefined ? this.previousWasCr : octetBefore === CR;
    this.emit(chunk.subarray(index, lineFeed + 1), data);
    this.previousWasCr = false;
    if (endsWithCrLf) this.state = 'lineStart';
    return lineFeed + 1;
  }

  private emit(octets: Buffer, data: Buffer[]): void {
    if (octets.length === 0) return;
    if (this.decodedOctets + octets.length > this.maxOctets) {
      throw new MailcaseError('POP3_LIMIT_EXCEEDED', `Message exceeds ${this.maxOctets} octets`, {
        userMessage: `A message on the server is larger than the ${this.maxOctets} octet limit and was not stored.`,
        details: { limit: this.maxOctets },
      });
    }
    this.decodedOctets += octets.length;
    data.push(octets);
  }
}
