// Splits an mbox file into its messages as a stream, undoing the "From " quoting of mboxo or mboxrd, so a
// multi-gigabyte mbox never sits in memory. RFC 4155 describes the format and its variants.
import { MailcaseError } from '../../shared/errors.js';

/** Receives one message at a time, in file order. Offsets are octet positions in the mbox file. */
export interface MessageSink {
  begin(byteStart: number): Promise<void>;
  write(chunk: Buffer): Promise<void>;
  end(byteEnd: number): Promise<void>;
}

/**
 * Octets of a line gathered before it is classified. A line longer than this is passed on in pieces, so its
 * start must have shown within this window whether it is a separator or a quoted "From " line.
 * NOTE: a line that starts with more ">" characters than this window is passed on unchanged.
 */
const LINE_WINDOW_OCTETS = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const GREATER_THAN = 0x3e;
const FROM_SPACE = Buffer.from('From ', 'latin1');

/** Tells whether the octets at `offset` start with "From ". */
export function startsWithFrom(buffer: Buffer, offset: number): boolean {
  if (buffer.length - offset < FROM_SPACE.length) return false;
  return buffer.compare(FROM_SPACE, 0, FROM_SPACE.length, offset, offset + FROM_SPACE.length) === 0;
}

/**
 * Splits an mbox stream line by line. A line that starts with "From " separates messages. The separator line
 * is not part of any message, and the line ending just before it belongs to it (RFC 4155 section 2), so a
 * message ends before that line ending. The last message likewise ends before the file's final line
 * ending, because writers end every message with one before the next separator.
 *
 * Quoting is undone exactly once: mboxrd removes one ">" from each line matching /^>+From /, and mboxo
 * turns ">From " into "From " and leaves ">>From " as it is.
 */
export class MboxSplitter {
  /** File offset of `carry[0]`. */
  private offset = 0;
  private carry: Buffer = Buffer.alloc(0);
  private inMessage = false;
  /** True while inside a line longer than the window whose start has already been passed on. */
  private midLine = false;
  private pendingEol: Buffer | null = null;
  private pendingEolStart = 0;
  private output: Buffer[] = [];

  constructor(
    private readonly variant: 'mboxo' | 'mboxrd',
    private readonly sink: MessageSink,
  ) {}

  /** Feeds the next chunk of the file. */
  async push(chunk: Buffer): Promise<void> {
    const buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let position = 0;
    while (position < buffer.length) {
      const next = this.midLine ? this.continueLine(buffer, position) : await this.startLine(buffer, position);
      if (next === null) break;
      position = next;
    }

    this.carry = Buffer.from(buffer.subarray(position));
    this.offset += position;
    await this.flushOutput();
  }

  /** Ends the file: handles a last line without a line ending and closes the last message. */
  async end(): Promise<void> {
    if (this.carry.length > 0) {
      const buffer = this.carry;
      if (this.midLine) this.output.push(buffer);
      else await this.startLine(buffer, 0, true);
      this.offset += buffer.length;
      this.carry = Buffer.alloc(0);
    }
    await this.flushOutput();

    if (!this.inMessage) throw malformed('the file is empty');
    await this.sink.end(this.pendingEol ? this.pendingEolStart : this.offset);
    this.pendingEol = null;
    this.inMessage = false;
  }

  /** Passes on the rest of a long line. Returns the next position, or null when the chunk is used up. */
  private continueLine(buffer: Buffer, position: number): number | null {
    const newline = buffer.indexOf(LF, position);
    if (newline === -1) {
      // A trailing CR is held back because it may start the line ending that belongs to a separator.
      const end = buffer[buffer.length - 1] === CR ? buffer.length - 1 : buffer.length;
      if (end > position) this.output.push(buffer.subarray(position, end));
      return end === position ? null : end;
    }

    this.takeLineEnding(buffer, position, newline);
    this.midLine = false;
    return newline + 1;
  }

  /**
   * Classifies the line that starts at `position`. Returns the next position, or null when more octets are
   * needed to classify it. `isLast` marks the final octets of the file, which form a line without a line ending.
   */
  private async startLine(buffer: Buffer, position: number, isLast = false): Promise<number | null> {
    const newline = buffer.indexOf(LF, position);
    if (newline === -1 && !isLast && buffer.length - position < LINE_WINDOW_OCTETS) return null;

    if (startsWithFrom(buffer, position) && (newline !== -1 || isLast)) {
      await this.closeMessage(position);
      const messageStart = newline === -1 ? buffer.length : newline + 1;
      await this.sink.begin(this.offset + messageStart);
      this.inMessage = true;
      return messageStart;
    }
    if (!this.inMessage) throw malformed('it does not start with a "From " separator line');

    if (this.pendingEol) this.output.push(this.pendingEol);
    this.pendingEol = null;
    const contentStart = this.isQuotedFrom(buffer, position) ? position + 1 : position;
    if (newline === -1 && isLast) {
      this.output.push(buffer.subarray(contentStart));
      return buffer.length;
    }
    if (newline === -1) {
      this.midLine = true;
      return this.continueLine(buffer, contentStart) ?? contentStart;
    }
    this.takeLineEnding(buffer, contentStart, newline);
    return newline + 1;
  }

  /** Queues a line's content and holds back its line ending, which belongs to a separator if one follows. */
  private takeLineEnding(buffer: Buffer, contentStart: number, newline: number): void {
    const eolStart = newline > contentStart && buffer[newline - 1] === CR ? newline - 1 : newline;
    if (eolStart > contentStart) this.output.push(buffer.subarray(contentStart, eolStart));
    this.pendingEol = Buffer.from(buffer.subarray(eolStart, newline + 1));
    this.pendingEolStart = this.offset + eolStart;
  }

  private isQuotedFrom(buffer: Buffer, position: number): boolean {
    let index = position;
    while (index < buffer.length && buffer[index] === GREATER_THAN) index += 1;
    const quotes = index - position;
    if (quotes === 0 || !startsWithFrom(buffer, index)) return false;
    return this.variant === 'mboxrd' || quotes === 1;
  }

  /** Ends the current message before the separator at `separatorPosition` and its preceding line ending. */
  private async closeMessage(separatorPosition: number): Promise<void> {
    if (!this.inMessage) return;
    await this.flushOutput();
    await this.sink.end(this.pendingEol ? this.pendingEolStart : this.offset + separatorPosition);
    this.pendingEol = null;
    this.inMessage = false;
  }

  private async flushOutput(): Promise<void> {
    if (this.output.length === 0) return;
    const data = this.output.length === 1 ? (this.output[0] as Buffer) : Buffer.concat(this.output);
    this.output = [];
    await this.sink.write(data);
  }
}

/** Returns the error for an mbox whose structure is broken; the import reports it with the file's name. */
export function malformed(reason: string): MailcaseError {
  return new MailcaseError('INVALID_INPUT', `Not a valid mbox file: ${reason}`, { details: { reason } });
}
