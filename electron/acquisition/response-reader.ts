// Buffers what a POP3 server sends on one socket and hands it out as status lines or as a decoded multi-line
// body, with a timeout on every wait and a bound on line length and buffered octets.
import type net from 'node:net';

import { MailcaseError } from '../../shared/errors.js';
import { POP3_MAX_RESPONSE_LINE } from '../../shared/limits.js';
import type { DotUnstuffer } from './dot-unstuff.js';

const LF = 0x0a;
const CR = 0x0d;

/** Buffered octets above which the socket is paused until the consumer catches up (1 MiB). */
const PAUSE_ABOVE_OCTETS = 1024 * 1024;

/** Reads responses from one socket. Detach it before another reader (such as a TLS layer) takes over. */
export class ResponseReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private endReason: string | null = null;
  private wake: (() => void) | null = null;
  private attached = true;

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > PAUSE_ABOVE_OCTETS) this.socket.pause();
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.endReason ??= 'the server closed the connection';
    this.notify();
  };

  private readonly onError = (error: Error): void => {
    this.endReason ??= `the connection failed (${(error as NodeJS.ErrnoException).code ?? error.message})`;
    this.notify();
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly endpoint: string,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Octets received but not yet consumed. */
  get bufferedOctets(): number {
    return this.length;
  }

  /** Stops listening to the socket. Errors it raises later are ignored, since the session no longer uses it. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.on('error', () => undefined);
  }

  /**
   * Returns the next line without its line ending (CRLF, or a bare LF from a lax server). Throws POP3_PROTOCOL
   * when a line exceeds POP3_MAX_RESPONSE_LINE or the connection ends, POP3_TIMEOUT after `timeoutMs` of silence.
   */
  async readLine(timeoutMs: number): Promise<Buffer> {
    for (;;) {
      const line = this.takeLine();
      if (line) return line;
      if (this.endReason) throw this.connectionEnded('before the end of a response line');
      await this.waitForData(timeoutMs, 'a response');
    }
  }

  /**
   * Removes and returns the first complete line, or returns null when none is buffered yet. Only the chunks
   * that hold the line are copied, because with PIPELINING the buffer may also hold the next messages.
   */
  private takeLine(): Buffer | null {
    let scanned = 0;
    for (let index = 0; index < this.chunks.length; index += 1) {
      const chunk = this.chunks[index] as Buffer;
      const lineFeed = chunk.indexOf(LF);
      if (lineFeed === -1) {
        scanned += chunk.length;
        if (scanned >= POP3_MAX_RESPONSE_LINE) throw this.lineTooLong();
        continue;
      }
      if (scanned + lineFeed + 1 > POP3_MAX_RESPONSE_LINE) throw this.lineTooLong();

      const parts = [...this.chunks.slice(0, index), chunk.subarray(0, lineFeed + 1)];
      const rest = chunk.subarray(lineFeed + 1);
      this.chunks.splice(0, index + 1, ...(rest.length > 0 ? [rest] : []));
      this.length -= scanned + lineFeed + 1;
      this.resumeIfDrained();

      const line = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      const end = line.length >= 2 && line[line.length - 2] === CR ? line.length - 2 : line.length - 1;
      return line.subarray(0, end);
    }
    return null;
  }

  /**
   * Feeds octets through `decoder` into `sink` until the terminator, then keeps what follows for the next
   * response. Throws POP3_PROTOCOL when the connection ends first and POP3_TIMEOUT after `idleTimeoutMs` of
   * silence; errors thrown by the decoder or the sink pass through.
   */
  async readMultiline(decoder: DotUnstuffer, sink: (octets: Buffer) => Promise<void>, idleTimeoutMs: number): Promise<void> {
    for (;;) {
      while (this.chunks.length > 0) {
        const chunk = this.chunks.shift() as Buffer;
        this.length -= chunk.length;
        this.resumeIfDrained();

        // One sink call per chunk: the decoder returns one slice per line, and a write per line would cost
        // a system call for every 80 octets of a large message.
        const step = decoder.push(chunk);
        const decoded = step.data.length === 1 ? (step.data[0] as Buffer) : Buffer.concat(step.data);
        if (decoded.length > 0) await sink(decoded);
        if (step.done) {
          this.putBack(step.rest);
          return;
        }
      }

      if (this.endReason) throw this.connectionEnded('before the end of the message');
      await this.waitForData(idleTimeoutMs, 'message data');
    }
  }

  private putBack(octets: Buffer): void {
    if (octets.length === 0) {
      this.resumeIfDrained();
      return;
    }
    this.chunks.unshift(octets);
    this.length += octets.length;
    this.resumeIfDrained();
  }

  private resumeIfDrained(): void {
    if (this.attached && this.length <= PAUSE_ABOVE_OCTETS && this.socket.isPaused()) this.socket.resume();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private waitForData(timeoutMs: number, expected: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        reject(
          new MailcaseError('POP3_TIMEOUT', `No ${expected} from ${this.endpoint} within ${timeoutMs} ms`, {
            userMessage: `The mail server at ${this.endpoint} stopped responding. Check the connection and try again.`,
            details: { endpoint: this.endpoint, timeoutMs },
          }),
        );
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private lineTooLong(): MailcaseError {
    return new MailcaseError('POP3_PROTOCOL', `Response line from ${this.endpoint} is longer than ${POP3_MAX_RESPONSE_LINE} octets`, {
      userMessage: `The mail server at ${this.endpoint} sent an over-long response line, which is not valid POP3. The acquisition was stopped.`,
      details: { endpoint: this.endpoint, limit: POP3_MAX_RESPONSE_LINE },
    });
  }

  private connectionEnded(position: string): MailcaseError {
    const reason = this.endReason ?? 'the connection ended';
    return new MailcaseError('POP3_PROTOCOL', `${reason} ${position} (${this.endpoint})`, {
      userMessage: `The connection to ${this.endpoint} ended unexpectedly: ${reason}. Nothing partial was stored; try again.`,
      details: { endpoint: this.endpoint, reason },
    });
  }
}
