// A small, strict POP3 client (RFC 1939, STLS from RFC 2595) that reads message octets as Buffers and can only
// send read-only commands: DELE and every other state-changing verb are absent from its allow-list.
import net from 'node:net';

import { MailcaseError } from '../../shared/errors.js';
import {
  POP3_COMMAND_TIMEOUT_MS,
  POP3_CONNECT_TIMEOUT_MS,
  POP3_MAX_LISTING_ENTRIES,
  POP3_MAX_RESPONSE_LINE,
  POP3_TRANSFER_IDLE_TIMEOUT_MS,
} from '../../shared/limits.js';
import type { MailboxConfig } from '../../shared/types.js';
import { createLogger } from '../logging/logger.js';
import { DotUnstuffer } from './dot-unstuff.js';
import { ResponseReader } from './response-reader.js';
import { connectPlain, connectTls, upgradeToTls } from './tls-connect.js';

const log = createLogger('pop3-session');

/**
 * Every command this client can send. DELE, RSET, APOP, AUTH and anything not listed are rejected before they
 * reach the socket, because acquisition must never change the suspect's mailbox.
 */
export const ALLOWED_POP3_VERBS = ['CAPA', 'STLS', 'USER', 'PASS', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'NOOP', 'QUIT'] as const;

export type Pop3Verb = (typeof ALLOWED_POP3_VERBS)[number];

const ALLOWED_VERB_SET: ReadonlySet<string> = new Set(ALLOWED_POP3_VERBS);

/** Timeouts in milliseconds. The defaults come from shared/limits.ts, and tests pass shorter ones. */
export interface Pop3Timeouts {
  connectMs: number;
  commandMs: number;
  transferIdleMs: number;
}

export interface Pop3SessionOptions {
  timeouts?: Partial<Pop3Timeouts>;
  /** Extra CA certificates (PEM) to trust besides the system store. */
  ca?: string | string[];
}

/** One entry of a UIDL or LIST listing. */
export interface Pop3ListingEntry<T> {
  messageNumber: number;
  value: T;
}

interface StatusLine {
  ok: boolean;
  text: string;
}

/** Receives decoded message octets in order; the session waits for each call before reading on. */
export type MessageSink = (octets: Buffer) => Promise<void>;

/** A connected, greeted POP3 session. Create it with `Pop3Session.connect`. */
export class Pop3Session {
  private capabilityList: string[] | null = null;
  private closed = false;

  private constructor(
    private socket: net.Socket,
    private reader: ResponseReader,
    readonly mailbox: MailboxConfig,
    readonly greeting: string,
    private fingerprint: string | null,
    private readonly timeouts: Pop3Timeouts,
  ) {}

  /**
   * Connects with the mailbox's security mode, reads the greeting and, for 'starttls', upgrades the same socket
   * after CAPA and STLS. Throws POP3_CONNECT_FAILED, POP3_TIMEOUT, TLS_CERT_UNTRUSTED, TLS_FAILED,
   * STARTTLS_UNSUPPORTED or POP3_PROTOCOL.
   */
  static async connect(mailbox: MailboxConfig, options: Pop3SessionOptions = {}): Promise<Pop3Session> {
    const timeouts: Pop3Timeouts = {
      connectMs: options.timeouts?.connectMs ?? POP3_CONNECT_TIMEOUT_MS,
      commandMs: options.timeouts?.commandMs ?? POP3_COMMAND_TIMEOUT_MS,
      transferIdleMs: options.timeouts?.transferIdleMs ?? POP3_TRANSFER_IDLE_TIMEOUT_MS,
    };
    const tlsOptions = { ca: options.ca, trustFingerprint: mailbox.trustFingerprint, timeoutMs: timeouts.connectMs };

    let socket: net.Socket;
    let fingerprint: string | null = null;
    if (mailbox.security === 'tls') {
      const secure = await connectTls(mailbox.host, mailbox.port, tlsOptions);
      socket = secure.socket;
      fingerprint = secure.fingerprint;
    } else {
      socket = await connectPlain(mailbox.host, mailbox.port, timeouts.connectMs);
    }

    const reader = new ResponseReader(socket, describeEndpoint(mailbox));
    try {
      const greetingLine = await reader.readLine(timeouts.commandMs);
      const greeting = parseStatusLine(greetingLine);
      if (!greeting.ok) {
        throw new MailcaseError('POP3_SERVER_ERROR', `Server ${describeEndpoint(mailbox)} rejected the connection: ${greeting.text}`, {
          userMessage: `The mail server refused the connection: ${greeting.text}`,
          details: { host: mailbox.host, port: mailbox.port, response: greeting.text },
        });
      }

      const session = new Pop3Session(socket, reader, mailbox, greeting.text, fingerprint, timeouts);
      if (mailbox.security === 'starttls') await session.startTls(tlsOptions);
      log.info('connected', { host: mailbox.host, port: mailbox.port, security: mailbox.security });
      return session;
    } catch (error) {
      reader.detach();
      socket.destroy();
      throw error;
    }
  }

  /** SHA-256 fingerprint of the server certificate (colon-separated upper-case hex), or null without TLS. */
  get tlsFingerprint(): string | null {
    return this.fingerprint;
  }

  /** Capabilities from the last CAPA, or null when CAPA was not sent or not supported. */
  get capabilities(): string[] | null {
    return this.capabilityList;
  }

  /** Sends CAPA and returns the capability lines, or null when the server replies -ERR. */
  async capa(): Promise<string[] | null> {
    const status = await this.command('CAPA');
    if (!status.ok) return null;
    const lines = await this.readListing();
    this.capabilityList = lines.map((line) => line.toString('latin1'));
    return this.capabilityList;
  }

  /** Authenticates with USER and PASS. Throws POP3_AUTH_FAILED when the server rejects either. */
  async login(user: string, password: string): Promise<void> {
    assertArgument(user, 'user name');
    assertArgument(password, 'password');

    const userStatus = await this.command('USER', user);
    if (!userStatus.ok) throw authFailed(this.mailbox, userStatus.text);

    const passStatus = await this.command('PASS', password);
    if (!passStatus.ok) {
      // RFC 3206 response codes: [SYS/TEMP], [SYS/PERM] and [IN-USE] mean the credentials were not the problem.
      if (/^\[(SYS\/|IN-USE)/i.test(passStatus.text)) throw serverError('PASS', passStatus.text);
      throw authFailed(this.mailbox, passStatus.text);
    }
    log.info('authenticated', { host: this.mailbox.host, user });
  }

  /** Sends STAT and returns the message count and the mailbox size in octets. */
  async stat(): Promise<{ messageCount: number; mailboxOctets: number }> {
    const status = await this.command('STAT');
    if (!status.ok) throw serverError('STAT', status.text);

    const match = /^(\d+) (\d+)(?: |$)/.exec(status.text);
    if (!match) throw protocolError(`STAT response is malformed: ${status.text.slice(0, 200)}`);
    return { messageCount: Number(match[1]), mailboxOctets: Number(match[2]) };
  }

  /** Sends UIDL and returns each message's unique id, or null when the server does not support UIDL. */
  async uidl(): Promise<Pop3ListingEntry<string>[] | null> {
    const status = await this.command('UIDL');
    if (!status.ok) return null;

    const entries: Pop3ListingEntry<string>[] = [];
    for (const line of await this.readListing()) {
      // RFC 1939 section 7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E.
      const match = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line.toString('latin1'));
      if (!match) throw protocolError(`UIDL line is malformed: ${printable(line)}`);
      entries.push({ messageNumber: Number(match[1]), value: match[2] as string });
    }
    assertUniqueNumbers(entries, 'UIDL');
    return entries;
  }

  /** Sends LIST and returns each message's size in octets as the server states it. */
  async list(): Promise<Pop3ListingEntry<number>[]> {
    const status = await this.command('LIST');
    if (!status.ok) throw serverError('LIST', status.text);

    const entries: Pop3ListingEntry<number>[] = [];
    for (const line of await this.readListing()) {
      const match = /^(\d+) (\d+)(?: .*)?$/.exec(line.toString('latin1'));
      if (!match) throw protocolError(`LIST line is malformed: ${printable(line)}`);
      entries.push({ messageNumber: Number(match[1]), value: Number(match[2]) });
    }
    assertUniqueNumbers(entries, 'LIST');
    return entries;
  }

  /**
   * Sends RETR and streams the message's octets, dot-stuffing undone and otherwise unchanged, into `sink`.
   * Returns the octets received. Throws POP3_SERVER_ERROR on -ERR, POP3_PROTOCOL when the connection ends
   * before the terminator, POP3_TIMEOUT when the transfer stalls and POP3_LIMIT_EXCEEDED for oversized mail.
   */
  async retr(messageNumber: number, sink: MessageSink): Promise<{ octets: number }> {
    assertMessageNumber(messageNumber);
    const status = await this.command('RETR', String(messageNumber));
    if (!status.ok) throw serverError(`RETR ${messageNumber}`, status.text);

    const decoder = new DotUnstuffer();
    await this.reader.readMultiline(decoder, sink, this.timeouts.transferIdleMs);
    return { octets: decoder.messageOctets };
  }

  /** Sends NOOP; used to check that the session is still alive. */
  async noop(): Promise<void> {
    const status = await this.command('NOOP');
    if (!status.ok) throw serverError('NOOP', status.text);
  }

  /** Sends QUIT, waits for the reply and closes the socket. Never throws: the evidence is already stored. */
  async quit(): Promise<void> {
    if (this.closed) return;
    try {
      await this.command('QUIT');
    } catch (error) {
      log.warn('QUIT failed', { host: this.mailbox.host, error });
    } finally {
      this.close();
    }
  }

  /** Closes the socket without QUIT. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.detach();
    this.socket.destroy();
  }

  /** Runs CAPA, checks that STLS is offered, sends STLS and upgrades the socket in place. */
  private async startTls(tlsOptions: Parameters<typeof upgradeToTls>[3]): Promise<void> {
    const capabilities = await this.capa();
    const offersStls = capabilities?.some((line) => line.trim().toUpperCase() === 'STLS') ?? false;
    if (!offersStls) {
      throw new MailcaseError('STARTTLS_UNSUPPORTED', `Server ${describeEndpoint(this.mailbox)} does not offer STLS`, {
        userMessage: 'The mail server does not offer STARTTLS (STLS). Choose implicit TLS (POP3S) or ask for the right port.',
        details: { host: this.mailbox.host, port: this.mailbox.port, capabilities: capabilities ?? [] },
      });
    }

    const status = await this.command('STLS');
    if (!status.ok) {
      throw new MailcaseError('STARTTLS_UNSUPPORTED', `Server ${describeEndpoint(this.mailbox)} rejected STLS: ${status.text}`, {
        userMessage: 'The mail server refused to start TLS. Choose implicit TLS (POP3S) or ask for the right port.',
        details: { host: this.mailbox.host, port: this.mailbox.port, response: status.text },
      });
    }

    // Octets sent before the handshake could be injected by an attacker on the path RFC 2595 section 4 requires
    // clients to discard them. Mailcase stops instead, because they mean the session cannot be trusted.
    if (this.reader.bufferedOctets > 0) throw protocolError('Server sent data after the STLS reply, before the TLS handshake');

    this.reader.detach();
    const secure = await upgradeToTls(this.socket, this.mailbox.host, this.mailbox.port, tlsOptions);
    this.socket = secure.socket;
    this.fingerprint = secure.fingerprint;
    this.reader = new ResponseReader(secure.socket, describeEndpoint(this.mailbox));

    // RFC 2595 section 4: capabilities learned before TLS are discarded.
    this.capabilityList = null;
  }

  /** Sends one allow-listed command and reads its status line. */
  private async command(verb: Pop3Verb, ...args: string[]): Promise<StatusLine> {
    if (!ALLOWED_VERB_SET.has(verb)) {
      throw new MailcaseError('INTERNAL', `POP3 command ${String(verb).slice(0, 20)} is not allowed`);
    }
    if (this.closed) throw protocolError('The POP3 session is closed');
    for (const arg of args) assertArgument(arg, `${verb} argument`);

    const line = [verb, ...args].join(' ') + '\r\n';
    this.socket.write(line);
    const response = await this.reader.readLine(this.timeouts.commandMs);
    return parseStatusLine(response);
  }

  /** Reads a multi-line listing and returns its lines without CRLF, bounded in line length and count. */
  private async readListing(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = await this.reader.readLine(this.timeouts.commandMs);
      if (line.length === 1 && line[0] === 0x2e) return lines;
      if (lines.length >= POP3_MAX_LISTING_ENTRIES) {
        throw new MailcaseError('POP3_LIMIT_EXCEEDED', `Listing has more than ${POP3_MAX_LISTING_ENTRIES} lines`, {
          details: { limit: POP3_MAX_LISTING_ENTRIES },
        });
      }
      lines.push(line[0] === 0x2e ? line.subarray(1) : line);
    }
  }
}

/** Returns "host:port" for messages. */
export function describeEndpoint(mailbox: { host: string; port: number }): string {
  return mailbox.host.includes(':') ? `[${mailbox.host}]:${mailbox.port}` : `${mailbox.host}:${mailbox.port}`;
}

function parseStatusLine(line: Buffer): StatusLine {
  const text = line.toString('latin1');
  if (text === '+OK' || text.startsWith('+OK ')) return { ok: true, text: text.slice(4) };
  if (text === '-ERR' || text.startsWith('-ERR ')) return { ok: false, text: text.slice(5) };
  throw protocolError(`Expected +OK or -ERR, got: ${printable(line)}`);
}

function assertArgument(value: string, fieldName: string): void {
  if (value.length === 0 || /[\r\n\0]/.test(value)) {
    throw new MailcaseError('INVALID_INPUT', `The ${fieldName} is empty or contains a line break or NUL`, {
      userMessage: `The ${fieldName} is empty or contains a line break, which POP3 cannot send.`,
    });
  }
  if (value.length > POP3_MAX_RESPONSE_LINE) {
    throw new MailcaseError('INVALID_INPUT', `The ${fieldName} is longer than ${POP3_MAX_RESPONSE_LINE} characters`);
  }
}

function assertMessageNumber(messageNumber: number): void {
  if (!Number.isSafeInteger(messageNumber) || messageNumber < 1) {
    throw new MailcaseError('INVALID_INPUT', `Invalid POP3 message number: ${messageNumber}`);
  }
}

function assertUniqueNumbers<T>(entries: Pop3ListingEntry<T>[], command: string): void {
  const seen = new Set<number>();
  for (const entry of entries) {
    if (entry.messageNumber < 1 || seen.has(entry.messageNumber)) {
      throw protocolError(`${command} lists message number ${entry.messageNumber} more than once or out of range`);
    }
    seen.add(entry.messageNumber);
  }
}

function authFailed(mailbox: MailboxConfig, response: string): MailcaseError {
  return new MailcaseError('POP3_AUTH_FAILED', `Login to ${describeEndpoint(mailbox)} as ${mailbox.user} failed: ${response}`, {
    userMessage: 'The mail server rejected the user name or password. Check both and try again.',
    details: { host: mailbox.host, port: mailbox.port, user: mailbox.user, response },
  });
}

function serverError(command: string, response: string): MailcaseError {
  return new MailcaseError('POP3_SERVER_ERROR', `Server replied -ERR to ${command}: ${response}`, {
    userMessage: `The mail server reported an error for ${command}: ${response}`,
    details: { command, response },
  });
}

function protocolError(message: string): MailcaseError {
  return new MailcaseError('POP3_PROTOCOL', message, {
    userMessage: `The mail server sent a response that is not valid POP3 (${message}). The acquisition was stopped.`,
  });
}

/** Shows at most 200 octets of a server line with control and 8-bit octets escaped. */
function printable(line: Buffer): string {
  return JSON.stringify(line.subarray(0, 200).toString('latin1'));
}
