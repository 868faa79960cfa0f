// A small, strict POP3 client (RFC 1939, CAPA and PIPELINING from RFC 2449, STLS from RFC 2595, SASL from
// RFC 5034) that reads message octets as Buffers and can only send read-only commands from its allow-list.
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

import { MailcaseError } from '../../shared/errors.js';
import {
  POP3_COMMAND_TIMEOUT_MS,
  POP3_CONNECT_TIMEOUT_MS,
  POP3_GREETING_TIMEOUT_MS,
  POP3_MAX_LISTING_ENTRIES,
  POP3_MAX_RESPONSE_LINE,
  POP3_MAX_SASL_LINE,
  POP3_PIPELINE_DEPTH,
  POP3_TRANSFER_IDLE_TIMEOUT_MS,
} from '../../shared/limits.js';
import type { MailboxConfig } from '../../shared/types.js';
import { createLogger } from '../logging/logger.js';
import { DotUnstuffer } from './dot-unstuff.js';
import { ResponseReader } from './response-reader.js';
import { connectPlain, connectTls, upgradeToTls } from './tls-connect.js';
import { REDACTED, type Pop3TranscriptSink } from './transcript.js';

const log = createLogger('pop3-session');

/**
 * Every command this client can send. DELE, RSET and anything not listed are rejected before they reach the
 * socket, because acquisition must never change the suspect's mailbox.
 */
export const ALLOWED_POP3_VERBS = ['CAPA', 'STLS', 'AUTH', 'APOP', 'USER', 'PASS', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'NOOP', 'QUIT'] as const;

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
  /** Receives every protocol line; secrets arrive already replaced by "[redacted]". */
  transcript?: Pop3TranscriptSink;
  /** RETR commands kept in flight when the server offers PIPELINING; 1 turns pipelining off. */
  pipelineDepth?: number;
}

/** Login method actually used by `authenticate`. */
export type Pop3AuthMethod = 'sasl-plain' | 'sasl-login' | 'apop' | 'user-pass';

/** Receives the messages of `retrieveMessages` in the order the server sends them. */
export interface RetrieveConsumer {
  /** Called when a RETR's +OK arrives; returns the sink for that message's octets. */
  begin(messageNumber: number): Promise<MessageSink>;
  /** Called after the terminator, with the decoded size and the SHA-256 of the octets given to the sink. */
  end(messageNumber: number, result: { octets: number; sha256: string }): Promise<void>;
  /** Called instead of begin and end when the server replies -ERR to this RETR; without it the -ERR throws. */
  rejected?(messageNumber: number, reply: string): Promise<void>;
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

/** A reply during AUTH: a status line, or a continuation whose text is the base64 challenge. */
type AuthStatus = (StatusLine & { kind: 'status' }) | { kind: 'continue'; ok: false; text: string };

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
    private readonly transcript: Pop3TranscriptSink | null,
    private readonly pipelineDepth: number,
  ) {}

  /**
   * Connects with the mailbox's security mode, reads the greeting and sends CAPA. For 'starttls' it then sends
   * STLS, upgrades the same socket and sends CAPA again over TLS. Throws POP3_CONNECT_FAILED, POP3_TIMEOUT,
   * TLS_CERT_UNTRUSTED, TLS_FAILED, STARTTLS_UNSUPPORTED or POP3_PROTOCOL.
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

    const transcript = options.transcript ?? null;
    transcript?.note(`connected to ${describeEndpoint(mailbox)} (${mailbox.security})${fingerprint ? `, certificate SHA-256 ${fingerprint}` : ''}`);
    const reader = new ResponseReader(socket, describeEndpoint(mailbox));
    try {
      const greetingLine = await reader.readLine(Math.min(timeouts.commandMs, POP3_GREETING_TIMEOUT_MS)).catch((error: unknown) => {
        throw mailbox.security === 'tls' ? error : explainMissingGreeting(error, mailbox);
      });
      transcript?.server(greetingLine);
      const greeting = parseStatusLine(greetingLine);
      if (!greeting.ok) {
        throw new MailcaseError('POP3_SERVER_ERROR', `Server ${describeEndpoint(mailbox)} rejected the connection: ${greeting.text}`, {
          userMessage: `The mail server refused the connection: ${greeting.text}`,
          details: { host: mailbox.host, port: mailbox.port, response: greeting.text },
        });
      }

      const depth = Math.max(1, Math.floor(options.pipelineDepth ?? POP3_PIPELINE_DEPTH));
      const session = new Pop3Session(socket, reader, mailbox, greeting.text, fingerprint, timeouts, transcript, depth);
      // RFC 2449 section 5: CAPA is valid in the AUTHORIZATION state, and its reply decides the login method.
      await session.capa();
      if (mailbox.security === 'starttls') {
        await session.startTls(tlsOptions);
        await session.capa();
      }
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

  /** True when the last CAPA listed PIPELINING (RFC 2449 section 6.6). */
  get supportsPipelining(): boolean {
    return this.capabilityList?.some((line) => line.trim().toUpperCase() === 'PIPELINING') ?? false;
  }

  /** SASL mechanisms from the last CAPA's "SASL" line, upper-cased; empty when none were listed. */
  get saslMechanisms(): string[] {
    const line = this.capabilityList?.find((entry) => /^SASL(\s|$)/i.test(entry.trim()));
    return line ? line.trim().split(/\s+/).slice(1).map((name) => name.toUpperCase()) : [];
  }

  /**
   * Logs in with the mailbox's `auth` setting. 'apop' sends APOP; 'auto' (the default) uses SASL PLAIN when
   * CAPA lists it, else SASL LOGIN, else USER and PASS. Returns the method used. Throws POP3_AUTH_FAILED for
   * rejected credentials, POP3_SERVER_ERROR for [IN-USE], [SYS/TEMP] and [SYS/PERM] replies (RFC 3206), and
   * INTERNAL when the connection is not encrypted although the mailbox requires TLS.
   */
  async authenticate(password: string): Promise<Pop3AuthMethod> {
    const user = this.mailbox.user;
    assertArgument(user, 'user name');
    assertArgument(password, 'password');
    this.assertMaySendPassword();

    let method: Pop3AuthMethod;
    if (this.mailbox.auth === 'apop') {
      method = 'apop';
      await this.loginApop(user, password);
    } else if (this.saslMechanisms.includes('PLAIN')) {
      method = 'sasl-plain';
      await this.authPlain(user, password);
    } else if (this.saslMechanisms.includes('LOGIN')) {
      method = 'sasl-login';
      await this.authLogin(user, password);
    } else {
      method = 'user-pass';
      await this.login(user, password);
    }
    log.info('authenticated', { host: this.mailbox.host, user, method });
    return method;
  }

  /** Authenticates with USER and PASS. Throws POP3_AUTH_FAILED when the server rejects either. */
  async login(user: string, password: string): Promise<void> {
    assertArgument(user, 'user name');
    assertArgument(password, 'password');
    this.assertMaySendPassword();

    const userStatus = await this.command('USER', user);
    if (!userStatus.ok) throw loginRejected(this.mailbox, 'USER', userStatus.text);

    const passStatus = await this.send('PASS', [password], [REDACTED]);
    if (!passStatus.ok) throw loginRejected(this.mailbox, 'PASS', passStatus.text);
  }

  /**
   * Throws unless the password may go on this connection: over TLS, or in clear text only when the
   * investigator chose security 'none'. A 'starttls' session whose upgrade failed never gets this far,
   * because `connect` throws first; this check keeps it so if that code changes.
   */
  private assertMaySendPassword(): void {
    const encrypted = this.socket instanceof tls.TLSSocket && this.socket.encrypted;
    if (encrypted || this.mailbox.security === 'none') return;
    throw new MailcaseError('INTERNAL', `Refusing to send the password to ${describeEndpoint(this.mailbox)} without TLS`, {
      userMessage: 'The connection is not encrypted, so Mailcase did not send the password. Check the security setting.',
      details: { host: this.mailbox.host, port: this.mailbox.port, security: this.mailbox.security },
    });
  }

  /** RFC 1939 section 7: APOP user md5(timestamp + secret), where the timestamp comes from the greeting. */
  private async loginApop(user: string, password: string): Promise<void> {
    const timestamp = apopTimestamp(this.greeting);
    if (timestamp === null) {
      throw new MailcaseError('POP3_AUTH_FAILED', `Server ${describeEndpoint(this.mailbox)} offers no APOP timestamp in its greeting`, {
        userMessage: 'The mail server does not support APOP (its greeting has no <timestamp>). Choose the automatic login method.',
        details: { host: this.mailbox.host, port: this.mailbox.port, greeting: this.greeting },
      });
    }
    const status = await this.send('APOP', [user, apopDigest(timestamp, password)], [user, REDACTED]);
    if (!status.ok) throw loginRejected(this.mailbox, 'APOP', status.text);
  }

  /**
   * RFC 5034 with RFC 4616: AUTH PLAIN with the base64 of NUL user NUL password as the initial response, or
   * after an empty "+ " challenge when the command would pass RFC 5034's 255-octet line limit.
   */
  private async authPlain(user: string, password: string): Promise<void> {
    const payload = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    if (`AUTH PLAIN ${payload}`.length <= 255) {
      const status = await this.send('AUTH', ['PLAIN', payload], ['PLAIN', REDACTED]);
      if (status.kind === 'continue') {
        await this.cancelAuth('an unexpected challenge after the initial response');
      }
      if (!status.ok) throw loginRejected(this.mailbox, 'AUTH PLAIN', status.text);
      return;
    }

    const challenge = await this.send('AUTH', ['PLAIN'], ['PLAIN']);
    if (challenge.kind !== 'continue') throw loginRejected(this.mailbox, 'AUTH PLAIN', challenge.text);
    const status = await this.sendSaslLine(payload);
    if (status.kind === 'continue') await this.cancelAuth('a second challenge');
    if (!status.ok) throw loginRejected(this.mailbox, 'AUTH PLAIN', status.text);
  }

  /** The LOGIN mechanism: the server requests the user name, then the password, each as a base64 challenge. */
  private async authLogin(user: string, password: string): Promise<void> {
    const first = await this.send('AUTH', ['LOGIN'], ['LOGIN']);
    if (first.kind !== 'continue') throw loginRejected(this.mailbox, 'AUTH LOGIN', first.text);
    const second = await this.sendSaslLine(Buffer.from(user, 'utf8').toString('base64'));
    if (second.kind !== 'continue') throw loginRejected(this.mailbox, 'AUTH LOGIN', second.text);
    const status = await this.sendSaslLine(Buffer.from(password, 'utf8').toString('base64'));
    if (status.kind === 'continue') await this.cancelAuth('a third challenge');
    if (!status.ok) throw loginRejected(this.mailbox, 'AUTH LOGIN', status.text);
  }

  /** Sends one base64 SASL response line; the transcript shows only "[redacted]". */
  private async sendSaslLine(base64: string): Promise<AuthStatus> {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length + 2 > POP3_MAX_SASL_LINE) {
      throw new MailcaseError('INVALID_INPUT', 'The SASL response is not base64 or is too long', {
        userMessage: 'The user name or password is too long for the mail server login.',
      });
    }
    if (this.closed) throw protocolError('The POP3 session is closed');
    this.socket.write(base64 + '\r\n');
    this.transcript?.client(REDACTED);
    return this.readAuthStatus();
  }

  /** RFC 5034 section 4: "*" cancels the exchange; the server must then reply -ERR. Always throws. */
  private async cancelAuth(reason: string): Promise<never> {
    this.socket.write('*\r\n');
    this.transcript?.client('*');
    const status = await this.readAuthStatus();
    throw protocolError(`The server sent ${reason} during AUTH; the exchange was cancelled (reply: ${status.text.slice(0, 200)})`);
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
    let octets = 0;
    await this.retrieveMessages([messageNumber], {
      begin: () => Promise.resolve(sink),
      end: (_number, result) => {
        octets = result.octets;
        return Promise.resolve();
      },
    });
    return { octets };
  }

  /**
   * Retrieves messages in the given order. With PIPELINING (RFC 2449 section 6.6) up to `pipelineDepth` RETR
   * commands are in flight; otherwise one at a time. Responses are decoded strictly in order, and the octets
   * after one terminator start the next response. `shouldStop` is asked before each new RETR: once it
   * returns true, no more are sent, and the ones in flight are still read to the end and handed to the
   * consumer. Returns how many messages were retrieved. Throws like `retr`; after an error the session must
   * be closed, because pipelined responses may still be on their way.
   */
  async retrieveMessages(messageNumbers: number[], consumer: RetrieveConsumer, shouldStop: () => boolean = () => false): Promise<number> {
    for (const messageNumber of messageNumbers) assertMessageNumber(messageNumber);
    const depth = this.supportsPipelining ? this.pipelineDepth : 1;

    let sent = 0;
    let received = 0;
    // The window is refilled once responses to a quarter of it have arrived, and the new commands leave in one
    // socket write (one TLS record) instead of one write per response.
    const refillAt = depth - Math.max(1, Math.floor(depth / 4));
    const sendMore = (): void => {
      if (sent - received > refillAt) return;
      const lines: string[] = [];
      while (sent < messageNumbers.length && sent - received < depth && !shouldStop()) {
        lines.push(this.formatCommand('RETR', [String(messageNumbers[sent])]));
        sent += 1;
      }
      if (lines.length > 0) this.socket.write(lines.join(''));
    };

    sendMore();
    while (received < sent) {
      const messageNumber = messageNumbers[received] as number;
      const status = await this.readStatus();
      if (!status.ok) {
        if (!consumer.rejected) throw serverError(`RETR ${messageNumber}`, status.text);
        // A -ERR reply is one line, so the next response starts right after it and the session stays usable.
        await consumer.rejected(messageNumber, status.text);
        received += 1;
        sendMore();
        continue;
      }

      const sink = await consumer.begin(messageNumber);
      const hash = createHash('sha256');
      const decoder = new DotUnstuffer();
      await this.reader.readMultiline(
        decoder,
        async (octets) => {
          hash.update(octets);
          await sink(octets);
        },
        this.timeouts.transferIdleMs,
      );
      const result = { octets: decoder.messageOctets, sha256: hash.digest('hex') };
      this.transcript?.note(`message ${messageNumber} body: ${result.octets} octets, SHA-256 ${result.sha256}`);
      await consumer.end(messageNumber, result);

      received += 1;
      sendMore();
    }
    return received;
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

  /** Checks that the last CAPA offered STLS, sends STLS and upgrades the socket in place. */
  private async startTls(tlsOptions: Parameters<typeof upgradeToTls>[3]): Promise<void> {
    const capabilities = this.capabilityList;
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
    this.transcript?.note(`TLS started, certificate SHA-256 ${secure.fingerprint}`);

    // RFC 2595 section 4: capabilities learned before TLS are discarded.
    this.capabilityList = null;
  }

  /** Sends one allow-listed command and reads its status line. */
  private async command(verb: Pop3Verb, ...args: string[]): Promise<StatusLine> {
    const status = await this.send(verb, args, args);
    if (status.kind === 'continue') throw protocolError(`Unexpected "+" continuation after ${verb}`);
    return status;
  }

  /**
   * Sends one allow-listed command, showing `shownArgs` in the transcript in place of `args`, and reads its
   * reply, which may be a SASL continuation ("+ ") after AUTH.
   */
  private async send(verb: Pop3Verb, args: string[], shownArgs: string[]): Promise<AuthStatus> {
    this.writeCommand(verb, args, shownArgs);
    return verb === 'AUTH' ? this.readAuthStatus() : this.readStatus();
  }

  /** Writes one command line after checking the verb against the allow-list and the arguments for CR, LF, NUL. */
  private writeCommand(verb: Pop3Verb, args: string[], shownArgs: string[] = args): void {
    this.socket.write(this.formatCommand(verb, args, shownArgs));
  }

  /**
   * Checks the verb against the allow-list and the arguments for CR, LF, NUL, records the command in the
   * transcript and returns the line to send, CRLF included. The caller must send it.
   */
  private formatCommand(verb: Pop3Verb, args: string[], shownArgs: string[] = args): string {
    if (!ALLOWED_VERB_SET.has(verb)) {
      throw new MailcaseError('INTERNAL', `POP3 command ${String(verb).slice(0, 20)} is not allowed`);
    }
    if (this.closed) throw protocolError('The POP3 session is closed');
    for (const arg of args) assertArgument(arg, `${verb} argument`);

    this.transcript?.client([verb, ...shownArgs].join(' '));
    return [verb, ...args].join(' ') + '\r\n';
  }

  private async readStatus(): Promise<StatusLine & { kind: 'status' }> {
    const line = await this.reader.readLine(this.timeouts.commandMs);
    this.transcript?.server(line);
    return { kind: 'status', ...parseStatusLine(line) };
  }

  /** Reads +OK, -ERR or a "+ " SASL continuation (RFC 5034 section 4). */
  private async readAuthStatus(): Promise<AuthStatus> {
    const line = await this.reader.readLine(this.timeouts.commandMs);
    this.transcript?.server(line);
    if (line.length <= POP3_MAX_SASL_LINE && (line.toString('latin1') === '+' || line.toString('latin1').startsWith('+ '))) {
      return { kind: 'continue', ok: false, text: line.toString('latin1').slice(2) };
    }
    return { kind: 'status', ...parseStatusLine(line) };
  }

  /** Reads a multi-line listing and returns its lines without CRLF, bounded in line length and count. */
  private async readListing(): Promise<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = await this.reader.readLine(this.timeouts.commandMs);
      if (line.length === 1 && line[0] === 0x2e) {
        this.transcript?.server(line);
        return lines;
      }
      if (lines.length >= POP3_MAX_LISTING_ENTRIES) {
        throw new MailcaseError('POP3_LIMIT_EXCEEDED', `Listing has more than ${POP3_MAX_LISTING_ENTRIES} lines`, {
          details: { limit: POP3_MAX_LISTING_ENTRIES },
        });
      }
      this.transcript?.server(line);
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

/** Returns the timestamp (angle brackets included) an APOP-capable server puts in its greeting, or null. */
export function apopTimestamp(greeting: string): string | null {
  return /<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>/.exec(greeting)?.[0] ?? null;
}

/** Computes the APOP digest: lower-case hex MD5 of the timestamp followed by the shared secret (RFC 1939 section 7). */
export function apopDigest(timestamp: string, secret: string): string {
  return createHash('md5').update(timestamp + secret, 'utf8').digest('hex');
}

/**
 * Maps a -ERR reply to a login command. RFC 3206 response codes tell a wrong password ([AUTH] or no code)
 * from a mailbox locked by another client ([IN-USE]) and from server faults ([SYS/TEMP], [SYS/PERM]).
 */
function loginRejected(mailbox: MailboxConfig, command: string, response: string): MailcaseError {
  const responseCode = /^\[([A-Za-z/-]+)\]/.exec(response)?.[1]?.toUpperCase() ?? null;
  const details = { host: mailbox.host, port: mailbox.port, user: mailbox.user, command, response, responseCode };

  if (responseCode === 'IN-USE') {
    return new MailcaseError('POP3_SERVER_ERROR', `Mailbox ${mailbox.user} at ${describeEndpoint(mailbox)} is in use: ${response}`, {
      userMessage: 'Another client holds this mailbox open (the server reported [IN-USE]). Wait until it disconnects, then try again.',
      details,
    });
  }
  if (responseCode === 'SYS/TEMP' || responseCode === 'SYS/PERM') {
    const advice = responseCode === 'SYS/TEMP' ? 'The fault is temporary: try again later.' : 'Contact the mail provider; retrying will not help.';
    return new MailcaseError('POP3_SERVER_ERROR', `Server ${describeEndpoint(mailbox)} failed ${command} with ${responseCode}: ${response}`, {
      userMessage: `The mail server reported a system error (${responseCode}) during login. ${advice}`,
      details,
    });
  }
  return new MailcaseError('POP3_AUTH_FAILED', `Login to ${describeEndpoint(mailbox)} as ${mailbox.user} failed at ${command}: ${response}`, {
    userMessage: 'The mail server rejected the user name or password. Check both and try again.',
    details,
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

/**
 * Adds a hint to a timeout while waiting for the greeting of a plain connection: a server that expects TLS from
 * the first byte (POP3S, usually port 995) sends nothing until the client starts a TLS handshake.
 */
function explainMissingGreeting(error: unknown, mailbox: MailboxConfig): unknown {
  if (!(error instanceof MailcaseError) || error.code !== 'POP3_TIMEOUT') return error;
  return new MailcaseError(error.code, `${error.message} (no greeting)`, {
    userMessage:
      `The mail server at ${describeEndpoint(mailbox)} sent no greeting. A server that expects TLS from the start ` +
      '(POP3S, usually port 995) waits silently for a plain connection: choose security "tls" for it. Otherwise check the host and port.',
    details: error.details,
    cause: error,
  });
}
