// Protocol tests of the demo POP3 server with a raw TLS client that shares no code with the Mailcase client:
// dot-stuffing, read-only DELE, logins, long lines, STLS, pipelining and messages that arrive at each login.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

import { afterEach, describe, expect, it } from 'vitest';

import { createDemoCertificate } from '../../electron/demo/demo-certificate.js';
import { startDemoServer, stuffMessage, topOfMessage, type DemoMailboxSource, type DemoMessage, type DemoServer } from '../../electron/demo/demo-server.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { unstuffWholeResponse } from '../helpers/pop3-reference.js';

setLogSink(() => undefined);

const DOTTED = Buffer.from('Subject: dots\r\nFrom: a@example.test\r\n\r\n.\r\n..\r\n.x\r\nmiddle . dot\r\n.\r\nend\r\n', 'latin1');

function fixedSource(raws: Buffer[]): DemoMailboxSource {
  const messages = raws.map((raw, index): DemoMessage => ({ index, uidl: `demo-${index}`, raw }));
  return {
    async *messages() {
      yield* messages;
    },
    async message(index) {
      const message = messages[index];
      if (!message) throw new Error(`no message ${index}`);
      return message;
    },
  };
}

function plainMessage(index: number): Buffer {
  return Buffer.from(`Subject: message ${index}\r\nFrom: b@example.test\r\n\r\nBody ${index}\r\nsecond line\r\nthird line\r\n`);
}

/** Sends every command at once (pipelined) over implicit TLS and returns all octets the server sent until it closed. */
function converse(server: DemoServer, commands: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tls.connect({ host: server.host, port: server.port, ca: server.certPem, servername: 'localhost' });
    socket.on('secureConnect', () => socket.write(commands.map((command) => `${command}\r\n`).join('')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Reads one CRLF-ended line from a plain or TLS socket. */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      if (end + 2 < text.length) socket.unshift(Buffer.from(text.slice(end + 2), 'latin1'));
      resolve(text.slice(0, end));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

function lines(octets: Buffer): string[] {
  return octets.toString('latin1').split('\r\n');
}

function login(server: DemoServer): string[] {
  return [`USER ${server.user}`, `PASS ${server.password}`];
}

describe('createDemoCertificate', () => {
  const now = new Date('2026-12-04T12:00:00Z');

  it('names 127.0.0.1 and localhost', async () => {
    const certificate = new X509Certificate((await createDemoCertificate(now)).certPem);
    expect(certificate.subject).toBe('CN=127.0.0.1');
    expect(certificate.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificate.checkHost('localhost')).toBe('localhost');
  });

  it('is self-signed with an ECDSA P-256 key', async () => {
    const certificate = new X509Certificate((await createDemoCertificate(now)).certPem);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.ca).toBe(false);
  });

  it('is valid from an hour before start for 30 days', async () => {
    const certificate = new X509Certificate((await createDemoCertificate(now)).certPem);
    expect(new Date(certificate.validFrom).toISOString()).toBe('2026-12-04T11:00:00.000Z');
    expect(new Date(certificate.validTo).toISOString()).toBe('2027-01-03T12:00:00.000Z');
  });

  it('reports the fingerprint of its certificate', async () => {
    const created = await createDemoCertificate(now);
    expect(created.fingerprint).toBe(new X509Certificate(created.certPem).fingerprint256);
  });
});

describe('stuffMessage', () => {
  it('adds a dot to each line that starts with a dot', () => {
    expect(stuffMessage(Buffer.from('.\r\n..\r\n.x\r\na.b\r\n')).toString()).toBe('..\r\n...\r\n..x\r\na.b\r\n');
  });

  it('treats a dot after a bare LF as data', () => {
    expect(stuffMessage(Buffer.from('a\n.b\r\n')).toString()).toBe('a\n.b\r\n');
  });

  it('adds a final CRLF when the message lacks one', () => {
    expect(stuffMessage(Buffer.from('a\r\n.b')).toString()).toBe('a\r\n..b\r\n');
  });
});

describe('topOfMessage', () => {
  it('returns headers and the first body lines', () => {
    expect(topOfMessage(plainMessage(1), 1).toString()).toBe('Subject: message 1\r\nFrom: b@example.test\r\n\r\nBody 1\r\n');
  });

  it('returns only headers for zero lines', () => {
    expect(topOfMessage(plainMessage(1), 0).toString()).toBe('Subject: message 1\r\nFrom: b@example.test\r\n\r\n');
  });
});

describe('DemoServer', () => {
  let server: DemoServer | null = null;

  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('binds to 127.0.0.1', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    expect(server.host).toBe('127.0.0.1');
  });

  it('presents the certificate whose fingerprint it reports', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const current = server;
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: current.host, port: current.port, ca: current.certPem, servername: 'localhost' }, () => {
        resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(fingerprint).toBe(server.fingerprint);
  });

  it('byte-stuffs lines that start with a dot', async () => {
    server = await startDemoServer({ source: fixedSource([DOTTED]), totalMessages: 1 });
    const received = await converse(server, [...login(server), 'RETR 1', 'QUIT']);
    const text = received.toString('latin1');
    const body = received.subarray(text.indexOf(`+OK ${DOTTED.length} octets\r\n`) + `+OK ${DOTTED.length} octets\r\n`.length);
    expect(body.subarray(0, body.indexOf('\r\n.\r\n') + 2).toString('latin1')).toBe(
      'Subject: dots\r\nFrom: a@example.test\r\n\r\n..\r\n...\r\n..x\r\nmiddle . dot\r\n..\r\nend\r\n',
    );
  });

  it('returns the exact octets after unstuffing', async () => {
    server = await startDemoServer({ source: fixedSource([DOTTED]), totalMessages: 1 });
    const received = await converse(server, [...login(server), 'RETR 1', 'QUIT']);
    const status = `+OK ${DOTTED.length} octets\r\n`;
    const body = received.subarray(received.indexOf(status) + status.length);
    expect(unstuffWholeResponse(body).message.equals(DOTTED)).toBe(true);
  });

  it('rejects DELE and keeps the message', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const received = lines(await converse(server, [...login(server), 'DELE 1', 'STAT', 'QUIT']));
    expect(received[3]).toBe('-ERR This demo mailbox is read-only; no message is deleted');
    expect(received[4]).toBe(`+OK 1 ${plainMessage(0).length}`);
  });

  it('rejects a wrong password', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1, password: 'right-password' });
    const received = lines(await converse(server, [`USER ${server.user}`, 'PASS wrong-password', 'STAT', 'QUIT']));
    expect(received[2]).toBe('-ERR [AUTH] Invalid user name or password');
    expect(received[3]).toBe('-ERR Command not valid before login: STAT');
    expect(server.loginCount).toBe(0);
  });

  it('rejects a wrong user name', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1, password: 'right-password' });
    const received = lines(await converse(server, ['USER someone-else', 'PASS right-password', 'QUIT']));
    expect(received[2]).toBe('-ERR [AUTH] Invalid user name or password');
  });

  it('closes after three failed logins', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1, password: 'right-password' });
    const attempt = [`USER ${server.user}`, 'PASS wrong'];
    const received = lines(await converse(server, [...attempt, ...attempt, ...attempt, 'NOOP', 'QUIT']));
    expect(received.slice(1)).toEqual([
      '+OK Send PASS',
      '-ERR [AUTH] Invalid user name or password',
      '+OK Send PASS',
      '-ERR [AUTH] Invalid user name or password',
      '+OK Send PASS',
      '-ERR [AUTH] Invalid user name or password',
      '',
    ]);
  });

  it('rejects a line that is too long and closes', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const received = lines(await converse(server, [`USER ${'x'.repeat(300)}`, 'QUIT']));
    expect(received.slice(1)).toEqual(['-ERR Command line longer than 255 octets', '']);
  });

  it('rejects an endless line without a line break', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const current = server;
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = tls.connect({ host: current.host, port: current.port, ca: current.certPem, servername: 'localhost' });
      socket.on('secureConnect', () => socket.write('N'.repeat(10_000)));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(lines(received)[1]).toBe('-ERR Command line longer than 255 octets');
  });

  it('answers pipelined commands in order', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0), plainMessage(1)]), totalMessages: 2 });
    const received = lines(await converse(server, [...login(server), 'STAT', 'LIST', 'UIDL 2', 'NOOP', 'QUIT']));
    const size0 = plainMessage(0).length;
    const size1 = plainMessage(1).length;
    expect(received.slice(2)).toEqual([
      '+OK 2 messages',
      `+OK 2 ${size0 + size1}`,
      '+OK 2 messages',
      `1 ${size0}`,
      `2 ${size1}`,
      '.',
      '+OK 2 demo-1',
      '+OK',
      '+OK Mailcase demo server signing off',
      '',
    ]);
  });

  it('lists UIDLs', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0), plainMessage(1)]), totalMessages: 2 });
    const received = lines(await converse(server, [...login(server), 'UIDL', 'QUIT']));
    expect(received.slice(3, 7)).toEqual(['+OK 2 messages', '1 demo-0', '2 demo-1', '.']);
  });

  it('sends the top of a message', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const received = lines(await converse(server, [...login(server), 'TOP 1 1', 'QUIT']));
    expect(received.slice(3, 9)).toEqual(['+OK Top of message follows', 'Subject: message 0', 'From: b@example.test', '', 'Body 0', '.']);
  });

  it('rejects a message number out of range', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const received = lines(await converse(server, [...login(server), 'RETR 2', 'RETR x', 'QUIT']));
    expect(received.slice(3, 5)).toEqual(['-ERR No such message: 2', '-ERR Expected a message number']);
  });

  it('offers USER only over TLS', async () => {
    server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
    const received = lines(await converse(server, ['CAPA', 'QUIT']));
    expect(received.slice(1, 10)).toEqual(['+OK Capability list follows', 'TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE', 'USER', 'IMPLEMENTATION Mailcase-demo', '.']);
  });

  it('adds arrivals at each later login up to the total', async () => {
    const raws = Array.from({ length: 8 }, (_, index) => plainMessage(index));
    server = await startDemoServer({ source: fixedSource(raws), totalMessages: 8, initialMessages: 3, arrivalsPerLogin: 3 });
    const counts: string[] = [];
    for (let session = 0; session < 4; session += 1) {
      counts.push(lines(await converse(server, [...login(server), 'QUIT']))[2] ?? '');
    }
    expect(counts).toEqual(['+OK 3 messages', '+OK 6 messages', '+OK 8 messages', '+OK 8 messages']);
  });

  it('rejects more initial messages than the total', async () => {
    await expect(startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1, initialMessages: 2 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  describe('plain port', () => {
    it('rejects USER before STLS', async () => {
      server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
      const socket = net.connect({ host: server.host, port: server.stlsPort });
      await readLine(socket);
      socket.write(`USER ${server.user}\r\n`);
      const reply = await readLine(socket);
      socket.destroy();
      expect(reply).toBe('-ERR [AUTH] Plain-text login is disabled; send STLS first');
    });

    it('logs in after STLS', async () => {
      server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
      const plain = net.connect({ host: server.host, port: server.stlsPort });
      await readLine(plain);
      plain.write('STLS\r\n');
      const stlsReply = await readLine(plain);
      const secure = tls.connect({ socket: plain, ca: server.certPem, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      secure.write(`USER ${server.user}\r\nPASS ${server.password}\r\n`);
      const userReply = await readLine(secure);
      const passReply = await readLine(secure);
      secure.destroy();
      expect([stlsReply, userReply, passReply]).toEqual(['+OK Begin TLS negotiation', '+OK Send PASS', '+OK 1 messages']);
    });

    it('drops commands sent after STLS before the handshake', async () => {
      server = await startDemoServer({ source: fixedSource([plainMessage(0)]), totalMessages: 1 });
      const plain = net.connect({ host: server.host, port: server.stlsPort });
      await readLine(plain);
      plain.write(`STLS\r\nUSER ${server.user}\r\n`);
      await readLine(plain);
      const secure = tls.connect({ socket: plain, ca: server.certPem, servername: 'localhost' });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => resolve());
        secure.once('error', reject);
      });
      secure.write(`PASS ${server.password}\r\n`);
      const reply = await readLine(secure);
      secure.destroy();
      expect(reply).toBe('-ERR Send USER first');
    });
  });
});
