// Opens POP3 connections: plain TCP, implicit TLS, or an upgrade of a plain socket after STLS. Certificates are
// checked against the system CAs and the host name, or pinned to one SHA-256 fingerprint the investigator trusts.
import net from 'node:net';
import tls from 'node:tls';

import { MailcaseError } from '../../shared/errors.js';

/** Socket error codes that mean the server could not be reached at all. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

export interface TlsConnectOptions {
  timeoutMs: number;
  /** Extra CA certificates (PEM) to trust besides the system store. */
  ca?: string | string[] | undefined;
  /** When set, exactly the certificate with this SHA-256 fingerprint is accepted, and no other. */
  trustFingerprint?: string | undefined;
}

export interface SecureConnection {
  socket: tls.TLSSocket;
  /** SHA-256 fingerprint of the server certificate, colon-separated upper-case hex. */
  fingerprint: string;
}

/** Returns a fingerprint as colon-separated upper-case hex, accepting input with or without colons or spaces. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/[\s:]/g, '').toUpperCase();
  return hex.match(/.{1,2}/g)?.join(':') ?? '';
}

/** Opens a plain TCP connection. Throws POP3_CONNECT_FAILED or POP3_TIMEOUT. */
export function connectPlain(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(connectTimeout(host, port, timeoutMs));
    }, timeoutMs);

    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectFailed(host, port, error));
    });
  });
}

/** Opens an implicit-TLS connection and checks the server certificate. */
export function connectTls(host: string, port: number, options: TlsConnectOptions): Promise<SecureConnection> {
  return handshake(host, port, options, { host, port });
}

/** Starts TLS on an already connected plain socket (after STLS) and checks the server certificate. */
export function upgradeToTls(socket: net.Socket, host: string, port: number, options: TlsConnectOptions): Promise<SecureConnection> {
  return handshake(host, port, options, { socket, host });
}

function handshake(
  host: string,
  port: number,
  options: TlsConnectOptions,
  target: { host: string; port?: number; socket?: net.Socket },
): Promise<SecureConnection> {
  return new Promise((resolve, reject) => {
    // Verification runs after the handshake so a rejected certificate can still be described to the
    // investigator; no POP3 command is sent before it passes.
    const socket = tls.connect({
      ...target,
      servername: net.isIP(host) === 0 ? host : undefined,
      ca: options.ca === undefined ? undefined : [...tls.rootCertificates, ...[options.ca].flat()],
      rejectUnauthorized: false,
    });

    const fail = (error: MailcaseError): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(connectTimeout(host, port, options.timeoutMs)), options.timeoutMs);

    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code && UNREACHABLE_CODES.has(error.code)) {
        fail(connectFailed(host, port, error));
        return;
      }
      fail(
        new MailcaseError('TLS_FAILED', `TLS handshake with ${host}:${port} failed: ${error.message}`, {
          userMessage: `Could not set up TLS with ${host}:${port} (${error.code ?? error.message}). Check the port and the security setting.`,
          details: { host, port, reason: error.code ?? error.message },
          cause: error,
        }),
      );
    });

    socket.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        const fingerprint = checkCertificate(socket, host, port, options.trustFingerprint);
        socket.removeAllListeners('error');
        resolve({ socket, fingerprint });
      } catch (error) {
        socket.destroy();
        reject(error as Error);
      }
    });
  });
}

/** Returns the certificate's fingerprint when it is trusted, else throws TLS_CERT_UNTRUSTED describing it. */
function checkCertificate(socket: tls.TLSSocket, host: string, port: number, trustFingerprint: string | undefined): string {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) {
    throw new MailcaseError('TLS_FAILED', `Server ${host}:${port} presented no certificate`, { details: { host, port } });
  }

  const fingerprint = certificate.fingerprint256;
  const describe = {
    host,
    port,
    fingerprint,
    subject: certificate.subject,
    issuer: certificate.issuer,
    validFrom: certificate.validFrom,
    validTo: certificate.validTo,
  };

  if (trustFingerprint !== undefined && trustFingerprint.trim() !== '') {
    if (normalizeFingerprint(trustFingerprint) === normalizeFingerprint(fingerprint)) return fingerprint;
    throw new MailcaseError('TLS_CERT_UNTRUSTED', `Certificate of ${host}:${port} does not match the trusted fingerprint`, {
      userMessage:
        `The server certificate (SHA-256 ${fingerprint}) is not the one you chose to trust. ` +
        'Do not continue unless you can confirm the new fingerprint with the mail provider; then trust it explicitly.',
      details: { ...describe, reason: 'fingerprint-mismatch', expectedFingerprint: normalizeFingerprint(trustFingerprint) },
    });
  }

  if (socket.authorized) return fingerprint;
  const reason = String(socket.authorizationError ?? 'unknown');
  throw new MailcaseError('TLS_CERT_UNTRUSTED', `Certificate of ${host}:${port} is not trusted: ${reason}`, {
    userMessage:
      `The server certificate could not be verified (${reason}). Its SHA-256 fingerprint is ${fingerprint}. ` +
      'If you have confirmed this fingerprint with the mail provider, trust it explicitly and connect again.',
    details: { ...describe, reason },
  });
}

function connectFailed(host: string, port: number, error: NodeJS.ErrnoException): MailcaseError {
  return new MailcaseError('POP3_CONNECT_FAILED', `Could not connect to ${host}:${port}: ${error.code ?? error.message}`, {
    userMessage: `Could not connect to ${host}:${port} (${error.code ?? error.message}). Check the host name, the port and the network.`,
    details: { host, port, reason: error.code ?? error.message },
    cause: error,
  });
}

function connectTimeout(host: string, port: number, timeoutMs: number): MailcaseError {
  return new MailcaseError('POP3_TIMEOUT', `Connecting to ${host}:${port} timed out after ${timeoutMs} ms`, {
    userMessage: `The mail server at ${host}:${port} did not answer in time. Check the host, the port and the network.`,
    details: { host, port, timeoutMs },
  });
}
