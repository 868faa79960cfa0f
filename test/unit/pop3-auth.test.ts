import { afterEach, describe, expect, it } from 'vitest';

import { apopDigest, apopTimestamp, Pop3Session } from '../../electron/acquisition/pop3-session.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MailcaseError } from '../../shared/errors.js';
import type { MailboxConfig } from '../../shared/types.js';
import { mailboxHandler, startFakePop3, type FakePop3Server, type MailboxHandlerOptions } from './pop3-fake-server.js';

setLogSink(() => undefined);

const servers: { close: () => Promise<void> }[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const MESSAGES = ['Subject: one\r\n\r\nbody\r\n'];
const PASSWORD = 'pa55-word';
const RFC_GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n';

async function fakeServer(options: MailboxHandlerOptions, greeting?: string): Promise<FakePop3Server> {
  const server = await startFakePop3({ handler: mailboxHandler(MESSAGES, options), ...(greeting ? { greeting } : {}) });
  servers.push(server);
  return server;
}

function mailboxAt(port: number, extra: Partial<MailboxConfig> = {}): MailboxConfig {
  return { host: '127.0.0.1', port, security: 'none', user: 'suspect', ...extra };
}

async function caught(promise: Promise<unknown>): Promise<MailcaseError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MailcaseError);
  return error as MailcaseError;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

describe('APOP digest', () => {
  it('matches the RFC 1939 example', () => {
    expect(apopDigest('<1896.697170952@dbc.mtview.ca.us>', 'tanstaaf')).toBe('c4c9334bac560ecc979e58001b3e22fb');
  });

  it('finds the timestamp in a greeting', () => {
    expect(apopTimestamp('POP3 server ready <1896.697170952@dbc.mtview.ca.us>')).toBe('<1896.697170952@dbc.mtview.ca.us>');
  });

  it('finds no timestamp in a plain greeting', () => {
    expect(apopTimestamp('Dovecot ready.')).toBe(null);
  });
});

describe('Pop3Session.authenticate', () => {
  it('sends AUTH PLAIN with an initial response', async () => {
    const server = await fakeServer({
      capabilities: ['SASL PLAIN LOGIN', 'UIDL'],
      overrides: { AUTH: (_line, connection) => connection.send('+OK logged in\r\n') },
    });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const method = await session.authenticate(PASSWORD);
    await session.quit();

    expect(method).toBe('sasl-plain');
    expect(server.commands).toEqual(['CAPA', `AUTH PLAIN ${base64(`\0suspect\0${PASSWORD}`)}`, 'QUIT']);
  });

  it('sends AUTH PLAIN after an empty challenge when the line would be long', async () => {
    const longPassword = 'x'.repeat(300);
    const responses = ['+ \r\n', '+OK logged in\r\n'];
    const server = await startFakePop3({
      handler: (line, connection) => connection.send(line === 'CAPA' ? '+OK\r\nSASL PLAIN\r\n.\r\n' : (responses.shift() ?? '-ERR unexpected\r\n')),
    });
    servers.push(server);

    const session = await Pop3Session.connect(mailboxAt(server.port));
    expect(await session.authenticate(longPassword)).toBe('sasl-plain');
    session.close();
    expect(server.commands).toEqual(['CAPA', 'AUTH PLAIN', base64(`\0suspect\0${longPassword}`)]);
  });

  it('chooses LOGIN when PLAIN is not offered', async () => {
    const responses = [`+ ${base64('Username:')}\r\n`, `+ ${base64('Password:')}\r\n`, '+OK logged in\r\n'];
    const server = await startFakePop3({
      handler: (line, connection) => {
        if (line === 'CAPA') connection.send('+OK\r\nSASL LOGIN CRAM-MD5\r\n.\r\n');
        else if (line === 'QUIT') connection.send('+OK bye\r\n');
        else connection.send(responses.shift() ?? '-ERR unexpected\r\n');
      },
    });
    servers.push(server);

    const session = await Pop3Session.connect(mailboxAt(server.port));
    expect(await session.authenticate(PASSWORD)).toBe('sasl-login');
    await session.quit();
    expect(server.commands).toEqual(['CAPA', 'AUTH LOGIN', base64('suspect'), base64(PASSWORD), 'QUIT']);
  });

  it('cancels AUTH LOGIN on a third challenge', async () => {
    const responses = ['+ VXNlcm5hbWU6\r\n', '+ UGFzc3dvcmQ6\r\n', '+ TW9yZTo=\r\n', '-ERR cancelled\r\n'];
    const server = await startFakePop3({ handler: (line, connection) => connection.send(line === 'CAPA' ? '+OK\r\nSASL LOGIN\r\n.\r\n' : (responses.shift() ?? '-ERR\r\n')) });
    servers.push(server);

    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.authenticate(PASSWORD));
    session.close();
    expect(error.code).toBe('POP3_PROTOCOL');
    expect(server.commands.at(-1)).toBe('*');
  });

  it('uses USER and PASS without SASL', async () => {
    const server = await fakeServer({ capabilities: ['UIDL', 'USER'] });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    expect(await session.authenticate(PASSWORD)).toBe('user-pass');
    session.close();
    expect(server.commands).toEqual(['CAPA', 'USER suspect', `PASS ${PASSWORD}`]);
  });

  it('uses USER and PASS when CAPA fails', async () => {
    const server = await fakeServer({ capabilities: null });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    expect(await session.authenticate(PASSWORD)).toBe('user-pass');
    session.close();
  });

  it('sends APOP with the RFC 1939 digest', async () => {
    const server = await fakeServer({ capabilities: ['SASL PLAIN'], overrides: { APOP: (_line, connection) => connection.send('+OK\r\n') } }, RFC_GREETING);
    const session = await Pop3Session.connect(mailboxAt(server.port, { auth: 'apop' }));
    expect(await session.authenticate('tanstaaf')).toBe('apop');
    session.close();
    expect(server.commands).toEqual(['CAPA', 'APOP suspect c4c9334bac560ecc979e58001b3e22fb']);
  });

  it('rejects APOP when the greeting has no timestamp', async () => {
    const server = await fakeServer({ capabilities: [] });
    const session = await Pop3Session.connect(mailboxAt(server.port, { auth: 'apop' }));
    const error = await caught(session.authenticate(PASSWORD));
    session.close();
    expect(error.code).toBe('POP3_AUTH_FAILED');
    expect(server.commands).toEqual(['CAPA']);
  });

  it('maps -ERR [IN-USE] to POP3_SERVER_ERROR', async () => {
    const server = await fakeServer({ capabilities: [], overrides: { PASS: (_line, connection) => connection.send('-ERR [IN-USE] Mailbox locked\r\n') } });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.authenticate(PASSWORD));
    session.close();

    expect(error.code).toBe('POP3_SERVER_ERROR');
    expect(error.details.responseCode).toBe('IN-USE');
    expect(error.userMessage).toBe('Another client holds this mailbox open (the server reported [IN-USE]). Wait until it disconnects, then try again.');
  });

  it('maps -ERR [SYS/PERM] on AUTH to POP3_SERVER_ERROR', async () => {
    const server = await fakeServer({ capabilities: ['SASL PLAIN'], overrides: { AUTH: (_line, connection) => connection.send('-ERR [SYS/PERM] disk broken\r\n') } });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.authenticate(PASSWORD));
    session.close();

    expect(error.code).toBe('POP3_SERVER_ERROR');
    expect(error.details.responseCode).toBe('SYS/PERM');
  });

  it('maps -ERR [AUTH] on AUTH PLAIN to POP3_AUTH_FAILED', async () => {
    const server = await fakeServer({ capabilities: ['SASL PLAIN'], overrides: { AUTH: (_line, connection) => connection.send('-ERR [AUTH] Authentication failed.\r\n') } });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.authenticate(PASSWORD));
    session.close();

    expect(error.code).toBe('POP3_AUTH_FAILED');
    expect(error.details.responseCode).toBe('AUTH');
  });
});

describe('password protection with starttls', () => {
  it('sends no password when STLS is rejected', async () => {
    const server = await fakeServer({ capabilities: ['STLS', 'SASL PLAIN'], overrides: { STLS: (_line, connection) => connection.send('-ERR not now\r\n') } });
    const error = await caught(Pop3Session.connect(mailboxAt(server.port, { security: 'starttls' })));

    expect(error.code).toBe('STARTTLS_UNSUPPORTED');
    expect(server.commands).toEqual(['CAPA', 'STLS']);
  });

  it('sends no password when the TLS handshake fails', async () => {
    const server = await fakeServer({
      capabilities: ['STLS', 'SASL PLAIN'],
      overrides: {
        STLS: (_line, connection) => {
          // The connection ends where the server hello should come, so the handshake fails.
          connection.send('+OK begin TLS\r\n');
          connection.close();
        },
      },
    });
    const error = await caught(Pop3Session.connect(mailboxAt(server.port, { security: 'starttls' }), { timeouts: { connectMs: 2_000 } }));

    expect(error.code).toBe('TLS_FAILED');
    expect(server.commands).toEqual(['CAPA', 'STLS']);
  });

  it('refuses to send the password on a plain socket unless security is none', async () => {
    const server = await fakeServer({ capabilities: ['SASL PLAIN'] });
    const session = await Pop3Session.connect(mailboxAt(server.port));
    // Pretend the mailbox asked for STARTTLS although the socket was never upgraded.
    Object.assign(session, { mailbox: { ...session.mailbox, security: 'starttls' } });
    const error = await caught(session.authenticate(PASSWORD));
    session.close();

    expect(error.code).toBe('INTERNAL');
    expect(server.commands).toEqual(['CAPA']);
  });
});
