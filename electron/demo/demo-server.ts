// A small read-only POP3 server (RFC 1939 with CAPA, PIPELINING and RESP-CODES from RFC 2449 and STLS from
// RFC 2595) that serves a generated mailbox on 127.0.0.1, so the whole Mailcase flow can be tried without a mail server.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

import { MailcaseError } from '../../shared/errors.js';
import { createLogger } from '../logging/logger.js';
import { createDemoCertificate } from './demo-certificate.js';

const log = createLogger('demo-server');

/** The only address the demo server listens on, so the demo mailbox is never reachable from another machine. */
export const DEMO_HOST = '127.0.0.1';

/** User name of the demo mailbox. */
export const DEMO_USER = 'suspect';

/**
 * Maximum command line length accepted, CRLF included. RFC 2449 section 4 caps client commands at 255 octets; a
 * longer line gets -ERR and the connection is closed, so a client cannot make the server buffer without bound.
 */
export const DEMO_MAX_COMMAND_LINE = 255;

/** Idle time after which a session is closed. RFC 1939 section 3 requires at least 10 minutes. */
const DEMO_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** Failed logins after which a session is closed, which slows down password guessing. */
const DEMO_MAX_FAILED_LOGINS = 3;

/** Open sessions at one time; a loopback demo needs a few, and the cap bounds memory for a misbehaving client. */
const DEMO_MAX_SESSIONS = 32;

/** Default number of messages that arrive at each login after the first. */
export const DEMO_ARRIVALS_PER_LOGIN = 3;

/** One message of the demo mailbox; `index` counts from 0 and the POP3 message number is index + 1. */
export interface DemoMessage {
  index: number;
  uidl: string;
  raw: Buffer;
}

/** Source of the demo server's messages: the mailbox generator, or a fixed list in tests. */
export interface DemoMailboxSource {
  /** Yields messages 0, 1, 2, ... in order. */
  messages(): AsyncIterable<DemoMessage>;
  /** Returns message `index` again; it must have the same octets each time. */
  message(index: number): Promise<DemoMessage>;
}

export interface DemoServerOptions {
  source: DemoMailboxSource;
  /** Number of messages in the source; the server never shows more. */
  totalMessages: number;
  /** Messages visible at the first login. Defaults to totalMessages. */
  initialMessages?: number;
  /** Messages that arrive at each later login, up to totalMessages. Defaults to DEMO_ARRIVALS_PER_LOGIN. */
  arrivalsPerLogin?: number;
  /** Port of the implicit-TLS listener; 0 (the default) picks a free one. */
  port?: number;
  /** Password to accept. Defaults to a random one made at start. */
  password?: string;
  /**
   * Whether the listeners keep the Node process running (default true). The app passes false, so a demo server
   * started from the UI never keeps the CLI's `web` command or a test runner from exiting.
   */
  keepProcessAlive?: boolean;
}

export interface DemoServer {
  host: typeof DEMO_HOST;
  /** Implicit-TLS (POP3S) port. */
  port: number;
  /** Plain POP3 port that requires STLS before login. */
  stlsPort: number;
  security: 'tls';
  user: string;
  /** Password of the demo mailbox. It is shown to the investigator and never logged. */
  password: string;
  /** SHA-256 fingerprint of the server certificate, colon-separated upper-case hex. */
  fingerprint: string;
  certPem: string;
  /** Successful logins so far. */
  readonly loginCount: number;
  /** Messages a login now would see. */
  readonly visibleCount: number;
  /** Stops both listeners and closes every open session. */
  close(): Promise<void>;
}

interface MessageInfo {
  uidl: string;
  size: number;
}

/**
 * Starts the demo POP3 server: makes a certificate, reads every message once to learn its UIDL and size, then
 * listens for implicit TLS on `port` and for plain POP3 with STLS on a second free port, both on 127.0.0.1.
 * Throws INVALID_INPUT for bad counts and POP3_CONNECT_FAILED when a port cannot be bound.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const totalMessages = options.totalMessages;
  const initialMessages = options.initialMessages ?? totalMessages;
  const arrivalsPerLogin = options.arrivalsPerLogin ?? DEMO_ARRIVALS_PER_LOGIN;
  checkCount('totalMessages', totalMessages);
  checkCount('initialMessages', initialMessages);
  checkCount('arrivalsPerLogin', arrivalsPerLogin);
  if (initialMessages > totalMessages) {
    throw new MailcaseError('INVALID_INPUT', `initialMessages ${initialMessages} exceeds totalMessages ${totalMessages}`);
  }

  const catalog = await readCatalog(options.source, totalMessages);
  const certificate = await createDemoCertificate();
  const secureContext = tls.createSecureContext({ cert: certificate.certPem, key: certificate.keyPem, minVersion: 'TLSv1.2' });
  const password = options.password ?? randomBytes(12).toString('base64url');

  const state = { loginCount: 0 };
  const visibleCount = (): number => Math.min(totalMessages, initialMessages + Math.max(0, state.loginCount - 1) * arrivalsPerLogin);
  const sockets = new Set<net.Socket>();
  const context: SessionContext = {
    source: options.source,
    catalog,
    secureContext,
    user: DEMO_USER,
    password,
    /** Counts a successful login and returns the number of messages visible to that session. */
    login: () => {
      state.loginCount += 1;
      return visibleCount();
    },
  };

  const accept = (socket: net.Socket, secure: boolean): void => {
    if (sockets.size >= DEMO_MAX_SESSIONS) {
      socket.end('-ERR [SYS/TEMP] Too many sessions; try again later\r\n');
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    new DemoSession(socket, secure, context).start();
  };

  const tlsServer = tls.createServer({ cert: certificate.certPem, key: certificate.keyPem, minVersion: 'TLSv1.2' }, (socket) => accept(socket, true));
  // A failed handshake (a plain client on the TLS port) only ends that connection.
  tlsServer.on('tlsClientError', (error) => log.debug('TLS handshake failed', { error: error.message }));
  const plainServer = net.createServer((socket) => accept(socket, false));

  const port = await listen(tlsServer, options.port ?? 0);
  let stlsPort: number;
  try {
    stlsPort = await listen(plainServer, 0);
  } catch (error) {
    tlsServer.close();
    throw error;
  }
  if (options.keepProcessAlive === false) {
    tlsServer.unref();
    plainServer.unref();
  }
  log.info('Demo POP3 server started', { host: DEMO_HOST, port, stlsPort, messages: totalMessages, initialMessages });

  return {
    host: DEMO_HOST,
    port,
    stlsPort,
    security: 'tls',
    user: DEMO_USER,
    password,
    fingerprint: certificate.fingerprint,
    certPem: certificate.certPem,
    get loginCount() {
      return state.loginCount;
    },
    get visibleCount() {
      return visibleCount();
    },
    close: async () => {
      const closed = Promise.all([closeServer(tlsServer), closeServer(plainServer)]);
      for (const socket of sockets) socket.destroy();
      await closed;
      log.info('Demo POP3 server stopped', { port, logins: state.loginCount });
    },
  };
}

function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MailcaseError('INVALID_INPUT', `${name} must be a whole number of at least 0, not ${value}`, { details: { [name]: value } });
  }
}

/** Reads every message once and keeps its UIDL and size; the octets are made again for each RETR. */
async function readCatalog(source: DemoMailboxSource, totalMessages: number): Promise<MessageInfo[]> {
  const catalog: MessageInfo[] = [];
  if (totalMessages === 0) return catalog;

  for await (const message of source.messages()) {
    if (message.index !== catalog.length) {
      throw new MailcaseError('INTERNAL', `Demo mailbox yielded message ${message.index} where ${catalog.length} was expected`);
    }
    catalog.push({ uidl: message.uidl, size: wireSafeLength(message.raw) });
    if (catalog.length === totalMessages) break;
  }
  if (catalog.length < totalMessages) {
    throw new MailcaseError('INVALID_INPUT', `The demo mailbox contains ${catalog.length} messages, fewer than the ${totalMessages} requested`);
  }
  return catalog;
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new MailcaseError('POP3_CONNECT_FAILED', `Demo server cannot listen on ${DEMO_HOST}:${port}: ${error.message}`, {
          userMessage: `The demo mail server cannot use port ${port} on ${DEMO_HOST} (${error.code ?? error.message}). Choose another port.`,
          details: { host: DEMO_HOST, port, reason: error.code ?? error.message },
          cause: error,
        }),
      );
    });
    server.listen({ host: DEMO_HOST, port }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new MailcaseError('INTERNAL', 'Demo server has no TCP address after listening'));
        return;
      }
      resolve(address.port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

interface SessionContext {
  source: DemoMailboxSource;
  catalog: MessageInfo[];
  secureContext: tls.SecureContext;
  user: string;
  password: string;
  login: () => number;
}

const CRLF = Buffer.from('\r\n');
const TERMINATOR = Buffer.from('.\r\n');
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** Returns the message size as sent: the octets plus the CRLF that stuffMessage adds when the message lacks a final one. */
function wireSafeLength(raw: Buffer): number {
  return endsWithCrlf(raw) ? raw.length : raw.length + CRLF.length;
}

function endsWithCrlf(raw: Buffer): boolean {
  return raw.length >= 2 && raw[raw.length - 2] === CR && raw[raw.length - 1] === LF;
}

/**
 * Byte-stuffs message octets for a multi-line reply (RFC 1939 section 3): every line that starts with "." gets
 * one more ".". Lines end at CRLF only, as in the Mailcase client, so bare CR and bare LF pass through as data.
 * The result ends with CRLF but without the "." terminator.
 *
 * NOTE: a message without a final CRLF gets one, because POP3 cannot end a reply otherwise. Such a message is
 * then stored with two more octets than the source contains; LIST and STAT report that larger size.
 */
export function stuffMessage(raw: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let lineStart = 0;
  while (lineStart < raw.length) {
    const lineEnd = raw.indexOf(CRLF, lineStart);
    const next = lineEnd === -1 ? raw.length : lineEnd + CRLF.length;
    if (raw[lineStart] === DOT) pieces.push(Buffer.from('.'));
    pieces.push(raw.subarray(lineStart, next));
    lineStart = next;
  }
  if (!endsWithCrlf(raw)) pieces.push(CRLF);
  return Buffer.concat(pieces);
}

/** Returns the header section and the first `bodyLines` CRLF-ended lines of the body, for TOP (RFC 1939 section 7). */
export function topOfMessage(raw: Buffer, bodyLines: number): Buffer {
  const separator = raw.indexOf('\r\n\r\n');
  if (separator === -1) return raw;

  let end = separator + 4;
  for (let line = 0; line < bodyLines && end < raw.length; line += 1) {
    const lineEnd = raw.indexOf(CRLF, end);
    end = lineEnd === -1 ? raw.length : lineEnd + CRLF.length;
  }
  return raw.subarray(0, end);
}

type SessionState = 'authorization' | 'transaction' | 'closed';

/** One POP3 connection: reads command lines, replies to them in order and serves messages read-only. */
class DemoSession {
  private socket: net.Socket;
  private secure: boolean;
  private state: SessionState = 'authorization';
  private pendingUser: string | null = null;
  private failedLogins = 0;
  private visible = 0;
  private buffer = '';
  /** Replies go out in command order even when a RETR takes a while, which makes PIPELINING safe. */
  private queue: Promise<void> = Promise.resolve();
  private readonly id = randomBytes(4).toString('hex');
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    socket: net.Socket,
    secure: boolean,
    private readonly context: SessionContext,
  ) {
    this.socket = socket;
    this.secure = secure;
  }

  start(): void {
    this.attach(this.socket);
    this.send('+OK Mailcase demo POP3 server ready\r\n');
  }

  private attach(socket: net.Socket): void {
    socket.setTimeout(DEMO_IDLE_TIMEOUT_MS);
    socket.on('timeout', () => {
      this.send('-ERR Idle too long, closing\r\n');
      this.close();
    });
    socket.on('error', (error) => log.debug('Demo session socket error', { session: this.id, error: error.message }));
    socket.on('data', this.onData);
  }

  /** Splits received octets into command lines and queues each; octets after STLS are dropped (RFC 2595 section 4). */
  private receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.buffer += chunk.toString('latin1');

    for (;;) {
      const end = this.buffer.indexOf('\n');
      if (end === -1) break;
      const line = this.buffer.slice(0, end + 1);
      this.buffer = this.buffer.slice(end + 1);
      if (line.length > DEMO_MAX_COMMAND_LINE) {
        this.rejectLongLine();
        return;
      }

      const command = line.replace(/\r?\n$/, '');
      if (/^STLS$/i.test(command.trim()) && !this.secure) {
        // Stop reading plain text now: nothing sent before the handshake may be taken as a command after it.
        this.socket.off('data', this.onData);
        this.socket.pause();
        this.buffer = '';
        this.enqueue(() => this.startTls());
        return;
      }
      this.enqueue(() => this.handle(command));
    }

    if (this.buffer.length > DEMO_MAX_COMMAND_LINE) this.rejectLongLine();
  }

  private rejectLongLine(): void {
    log.warn('Demo session sent a command line that is too long', { session: this.id, maxOctets: DEMO_MAX_COMMAND_LINE });
    this.socket.off('data', this.onData);
    this.buffer = '';
    this.enqueue(async () => {
      this.send(`-ERR Command line longer than ${DEMO_MAX_COMMAND_LINE} octets\r\n`);
      this.close();
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      log.error('Demo session failed', { session: this.id, error: error instanceof Error ? error.message : String(error) });
      this.send('-ERR [SYS/TEMP] Internal error\r\n');
      this.close();
    });
  }

  private async handle(line: string): Promise<void> {
    if (this.state === 'closed') return;
    const [verbText = '', ...args] = line.split(' ');
    const verb = verbText.toUpperCase();

    if (verb === 'QUIT') {
      this.send('+OK Mailcase demo server signing off\r\n');
      this.close();
      return;
    }
    if (verb === 'CAPA') return this.capa();
    if (verb === 'NOOP' && this.state === 'transaction') return this.reply('+OK');
    if (verb === 'STLS') return this.reply('-ERR TLS is already active');
    if (this.state === 'authorization') return this.authorize(verb, args);
    return this.transact(verb, args);
  }

  private capa(): void {
    const lines = ['+OK Capability list follows', 'TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE'];
    // Before TLS only STLS is offered, so no client sends the password in plain text.
    if (this.state === 'authorization') lines.push(this.secure ? 'USER' : 'STLS');
    lines.push('IMPLEMENTATION Mailcase-demo', '.');
    this.send(lines.map((line) => `${line}\r\n`).join(''));
  }

  private authorize(verb: string, args: string[]): void {
    if (!this.secure && (verb === 'USER' || verb === 'PASS')) {
      this.reply('-ERR [AUTH] Plain-text login is disabled; send STLS first');
      return;
    }
    if (verb === 'USER') {
      this.pendingUser = args.join(' ');
      this.reply('+OK Send PASS');
      return;
    }
    if (verb === 'PASS') {
      this.checkPassword(args.join(' '));
      return;
    }
    this.reply(`-ERR Command not valid before login: ${verb.slice(0, 20)}`);
  }

  private checkPassword(password: string): void {
    const user = this.pendingUser;
    this.pendingUser = null;
    if (user === null) {
      this.reply('-ERR Send USER first');
      return;
    }
    if (user === this.context.user && sameSecret(password, this.context.password)) {
      this.visible = this.context.login();
      this.state = 'transaction';
      log.info('Demo session logged in', { session: this.id, visibleMessages: this.visible });
      this.reply(`+OK ${this.visible} messages`);
      return;
    }

    this.failedLogins += 1;
    log.warn('Demo session login failed', { session: this.id, failedLogins: this.failedLogins });
    this.reply('-ERR [AUTH] Invalid user name or password');
    if (this.failedLogins >= DEMO_MAX_FAILED_LOGINS) this.close();
  }

  private async transact(verb: string, args: string[]): Promise<void> {
    switch (verb) {
      case 'STAT': {
        const octets = this.visibleMessages().reduce((sum, info) => sum + info.size, 0);
        return this.reply(`+OK ${this.visible} ${octets}`);
      }
      case 'LIST':
        return this.listing(args, (info) => String(info.size));
      case 'UIDL':
        return this.listing(args, (info) => info.uidl);
      case 'RETR':
        return this.retrieve(args, null);
      case 'TOP': {
        const lines = args[1];
        if (lines === undefined || !/^\d{1,9}$/.test(lines)) return this.reply('-ERR Usage: TOP message lines');
        return this.retrieve(args.slice(0, 1), Number(lines));
      }
      case 'RSET':
        return this.reply(`+OK ${this.visible} messages`);
      case 'DELE':
        return this.reply('-ERR This demo mailbox is read-only; no message is deleted');
      default:
        return this.reply(`-ERR Unknown command: ${verb.slice(0, 20)}`);
    }
  }

  private visibleMessages(): MessageInfo[] {
    return this.context.catalog.slice(0, this.visible);
  }

  /** Replies to LIST or UIDL, for one message when a number is given, else with a multi-line listing. */
  private listing(args: string[], value: (info: MessageInfo) => string): void {
    if (args.length > 0) {
      const number = this.messageNumber(args);
      if (number === null) return;
      this.reply(`+OK ${number} ${value(this.infoAt(number))}`);
      return;
    }
    const lines = this.visibleMessages().map((info, index) => `${index + 1} ${value(info)}\r\n`);
    this.send(`+OK ${this.visible} messages\r\n${lines.join('')}.\r\n`);
  }

  /** Sends a message for RETR, or its headers and `bodyLines` body lines for TOP. */
  private async retrieve(args: string[], bodyLines: number | null): Promise<void> {
    const number = this.messageNumber(args);
    if (number === null) return;

    const info = this.infoAt(number);
    const message = await this.context.source.message(number - 1);
    if (message.uidl !== info.uidl || wireSafeLength(message.raw) !== info.size) {
      // The generator must be deterministic; serving different octets under the same UIDL would mislead the demo.
      log.error('Demo message changed between reads', { session: this.id, messageNumber: number });
      this.reply('-ERR [SYS/TEMP] Message changed since the listing');
      return;
    }

    const octets = bodyLines === null ? message.raw : topOfMessage(message.raw, bodyLines);
    const status = bodyLines === null ? `+OK ${info.size} octets\r\n` : '+OK Top of message follows\r\n';
    await this.write(Buffer.concat([Buffer.from(status), stuffMessage(octets), TERMINATOR]));
  }

  private messageNumber(args: string[]): number | null {
    const text = args[0] ?? '';
    if (!/^\d{1,9}$/.test(text)) {
      this.reply('-ERR Expected a message number');
      return null;
    }
    const number = Number(text);
    if (number < 1 || number > this.visible) {
      this.reply(`-ERR No such message: ${number}`);
      return null;
    }
    return number;
  }

  private infoAt(number: number): MessageInfo {
    const info = this.context.catalog[number - 1];
    if (!info) throw new Error(`Message ${number} is outside the catalog`);
    return info;
  }

  /** Replies +OK to STLS, then runs the TLS handshake on the same socket (RFC 2595 section 4). */
  private async startTls(): Promise<void> {
    if (this.state !== 'authorization') {
      this.reply('-ERR STLS is only allowed before login');
      this.resumePlain();
      return;
    }

    await this.write(Buffer.from('+OK Begin TLS negotiation\r\n'));
    const plain = this.socket;
    plain.removeAllListeners('timeout');
    const secureSocket = new tls.TLSSocket(plain, { isServer: true, secureContext: this.context.secureContext });
    secureSocket.once('secure', () => {
      this.pendingUser = null;
      log.debug('Demo session upgraded to TLS', { session: this.id });
    });
    this.socket = secureSocket;
    this.secure = true;
    this.attach(secureSocket);
    plain.resume();
  }

  private resumePlain(): void {
    this.socket.on('data', this.onData);
    this.socket.resume();
  }

  private reply(line: string): void {
    this.send(`${line}\r\n`);
  }

  private send(text: string): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(text, 'latin1');
  }

  /** Writes octets and waits for the socket to drain, so a slow client does not make the server buffer a whole mailbox. */
  private async write(octets: Buffer): Promise<void> {
    if (this.state === 'closed' || this.socket.destroyed) return;
    if (this.socket.write(octets)) return;
    // A socket closed during the write emits no more events, so waiting for one would stall this session's queue.
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    log.debug('Demo session closed', { session: this.id });
  }
}

/** Compares two secrets in constant time for equal lengths. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
