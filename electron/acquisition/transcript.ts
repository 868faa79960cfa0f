// Protocol transcript of one acquisition run: every client and server line with its direction and UTC time,
// secrets replaced by a fixed marker and each message body by one line giving its size and SHA-256.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import path from 'node:path';

import { fsyncDirectory } from '../evidence/atomic-file.js';

/** Text written in place of a password, an APOP digest or a SASL payload. */
export const REDACTED = '[redacted]';

/** Receives the lines of one POP3 session; Pop3Session calls it, acquireMailbox owns it. */
export interface Pop3TranscriptSink {
  /** Records a line the client sent, already redacted by the caller. */
  client(line: string): void;
  /** Records a status or listing line the server sent. */
  server(line: Buffer | string): void;
  /** Records a remark of the client, such as a TLS upgrade or a message body summary. */
  note(text: string): void;
}

/** Characters of transcript lines gathered in memory before one write to the temporary file. */
const TRANSCRIPT_BUFFER_CHARS = 64 * 1024;

/**
 * Streams a transcript to a temporary file while hashing it, then moves it into the case atomically with
 * `save`. Lines are written in blocks of about TRANSCRIPT_BUFFER_CHARS, so memory use stays bounded however
 * long the run is, and a run of many small messages does not cost one file write per line.
 */
export class Transcript implements Pop3TranscriptSink {
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  private ended = false;
  private buffered: string[] = [];
  private bufferedChars = 0;

  /** @param temporaryPath a file in evidence/incoming, which the next run clears if this one never saves. */
  constructor(private readonly temporaryPath: string) {
    this.stream = createWriteStream(temporaryPath, { flags: 'wx', mode: 0o444 });
    this.stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  client(line: string): void {
    this.write('C', line);
  }

  server(line: Buffer | string): void {
    this.write('S', typeof line === 'string' ? line : line.toString('latin1'));
  }

  note(text: string): void {
    this.write('*', text);
  }

  /**
   * Ends the transcript, fsyncs it and renames it to `target` (an absolute path), then fsyncs the target
   * folder. Returns the SHA-256 of the file's content.
   */
  async save(target: string): Promise<string> {
    await this.end();
    if (this.failure) throw this.failure;

    const handle = await fs.open(this.temporaryPath, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(this.temporaryPath, target);
    await fsyncDirectory(path.dirname(target));
    return this.hash.digest('hex');
  }

  /** Ends and removes the temporary file; used when the run stops before anything worth keeping. */
  async discard(): Promise<void> {
    await this.end().catch(() => undefined);
    await fs.rm(this.temporaryPath, { force: true });
  }

  private write(direction: 'C' | 'S' | '*', text: string): void {
    if (this.ended) return;
    const line = `${new Date().toISOString()} ${direction} ${escapeControls(text)}\n`;
    this.hash.update(line);
    this.buffered.push(line);
    this.bufferedChars += line.length;
    if (this.bufferedChars >= TRANSCRIPT_BUFFER_CHARS) this.writeBuffered();
  }

  private writeBuffered(): void {
    if (this.buffered.length === 0) return;
    this.stream.write(this.buffered.join(''));
    this.buffered = [];
    this.bufferedChars = 0;
  }

  private end(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.writeBuffered();
    this.ended = true;
    return new Promise((resolve) => this.stream.end(resolve));
  }
}

/** Shows control octets as \xNN so that every transcript entry stays on one line. */
function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control octets is the point here
  return text.replace(/[\x00-\x1f\x7f\\]/g, (octet) => (octet === '\\' ? '\\\\' : `\\x${octet.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
