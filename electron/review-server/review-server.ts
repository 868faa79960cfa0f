// Browser review mode: serves the renderer and the channel API over HTTP on loopback only, so an
// investigator can review a case in a browser. Every request needs the secret token or its session cookie.
//
// Threats handled here: other local users and web pages. A page on another origin cannot read
// responses (no CORS headers), cannot send the SameSite=Strict cookie cross-site, and its POSTs are
// rejected by the Origin and Sec-Fetch-Site checks. DNS rebinding is stopped by the Host check, because a
// rebound name arrives with its own Host header. Local users who cannot read the printed URL lack the token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { ChannelReply, Channel } from '../../shared/contract.js';
import { MailcaseError, serializeError, type ErrorCode } from '../../shared/errors.js';
import { REVIEW_SERVER_MAX_BODY_BYTES } from '../../shared/limits.js';
import { dispatch } from '../api/dispatch.js';
import type { HandlerTable } from '../api/handler-table.js';
import { SECURITY_HEADERS } from '../api/security-headers.js';
import { createLogger } from '../logging/logger.js';
import { lookUpStaticFile, sendStaticFile } from './static-files.js';

const log = createLogger('review-server');

const LOOPBACK_HOST = '127.0.0.1';
const API_PREFIX = '/api/';

export interface ReviewServerOptions {
  /** Folder with the built renderer (dist/renderer). */
  staticDir: string;
  handlers: HandlerTable;
  /** Only loopback is allowed. The option exists so callers can state the bind address explicitly. */
  host?: typeof LOOPBACK_HOST;
  /** TCP port. The default, 0, picks a free port. */
  port?: number;
}

export interface ReviewServer {
  /** URL to open, carrying the access token: http://127.0.0.1:PORT/?token=... */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the review server on 127.0.0.1 and resolves once it listens. */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const host = options.host ?? LOOPBACK_HOST;
  if (host !== LOOPBACK_HOST) {
    throw new MailcaseError('INVALID_INPUT', `The review server binds to ${LOOPBACK_HOST} only, not ${String(host)}`);
  }
  const staticRoot = await fs.realpath(path.resolve(options.staticDir)).catch(() => {
    throw new MailcaseError('INVALID_INPUT', `Renderer folder not found: ${options.staticDir}`, {
      userMessage: `The built user interface is missing (${options.staticDir}). Run "npm run build" first.`,
    });
  });

  const token = randomBytes(32).toString('base64url');
  const sessionId = randomBytes(32).toString('base64url');
  let port = 0;

  const server = http.createServer((request, response) => {
    const context: RequestContext = { staticRoot, handlers: options.handlers, token, sessionId, port };
    handleRequest(context, request, response).catch((error: unknown) => {
      log.error('Request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) sendText(response, 500, 'Internal server error');
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  log.info('Review server listening', { host: LOOPBACK_HOST, port });

  return {
    url: `http://${LOOPBACK_HOST}:${port}/?token=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface RequestContext {
  staticRoot: string;
  handlers: HandlerTable;
  token: string;
  sessionId: string;
  port: number;
}

async function handleRequest(context: RequestContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);

  const rawUrl = request.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const isApi = rawPath.startsWith(API_PREFIX);
  const deny = (status: number, code: ErrorCode, reason: string): void => {
    log.warn('Request denied', { reason, method: request.method, path: rawPath.slice(0, 200) });
    if (isApi) sendReply(response, status, errorReply(code, reason));
    else sendText(response, status, reason);
  };

  const hostHeader = (request.headers.host ?? '').toLowerCase();
  if (hostHeader !== `${LOOPBACK_HOST}:${context.port}` && hostHeader !== `localhost:${context.port}`) {
    deny(403, 'UNAUTHORIZED', 'Host header not allowed');
    return;
  }
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    deny(403, 'UNAUTHORIZED', 'Cross-site request rejected');
    return;
  }

  const presentedToken = query.get('token');
  if (presentedToken !== null) {
    if (!secretsEqual(presentedToken, context.token)) {
      deny(401, 'UNAUTHORIZED', 'Invalid access token');
      return;
    }
    if (!isApi) {
      // Trade the token for a cookie and drop it from the address bar, history and later Referer headers.
      response.setHeader('Set-Cookie', `${sessionCookieName(context.port)}=${context.sessionId}; HttpOnly; SameSite=Strict; Path=/`);
      response.setHeader('Cache-Control', 'no-store');
      response.writeHead(303, { Location: rawPath });
      response.end();
      return;
    }
  } else if (!hasSessionCookie(request, context)) {
    deny(401, 'UNAUTHORIZED', 'Missing or invalid session; open the URL printed when the server started');
    return;
  }

  if (isApi) {
    await handleApiRequest(context, request, response, rawPath.slice(API_PREFIX.length), hostHeader, deny);
    return;
  }
  await handleStaticRequest(context, request, response, rawPath);
}

async function handleApiRequest(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
  rawChannel: string,
  hostHeader: string,
  deny: (status: number, code: ErrorCode, reason: string) => void,
): Promise<void> {
  response.setHeader('Cache-Control', 'no-store');

  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${hostHeader}`) {
    deny(403, 'UNAUTHORIZED', 'Origin not allowed');
    return;
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    deny(405, 'INVALID_INPUT', 'Use POST for API requests');
    return;
  }
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    deny(415, 'INVALID_INPUT', 'Content-Type must be application/json');
    return;
  }

  let channel: string;
  try {
    channel = decodeURIComponent(rawChannel);
  } catch {
    deny(400, 'INVALID_INPUT', 'Malformed channel name');
    return;
  }

  const body = await readBody(request, REVIEW_SERVER_MAX_BODY_BYTES);
  if (body === null) {
    // The rest of the body is never read, so the connection cannot be reused for another request.
    response.setHeader('Connection', 'close');
    deny(413, 'INVALID_INPUT', `Request body exceeds ${REVIEW_SERVER_MAX_BODY_BYTES} bytes`);
    return;
  }
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    deny(400, 'INVALID_INPUT', 'Request body is not valid JSON');
    return;
  }

  sendReply(response, 200, await dispatch(context.handlers, channel, input));
}

async function handleStaticRequest(context: RequestContext, request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendText(response, 405, 'Method not allowed');
    return;
  }

  const lookup = await lookUpStaticFile(context.staticRoot, rawPath);
  if (lookup.kind === 'rejected') {
    log.warn('Request denied', { reason: 'Path outside the renderer folder', path: rawPath.slice(0, 200) });
    sendText(response, 400, 'Bad path');
    return;
  }
  if (lookup.kind === 'not-found') {
    sendText(response, 404, 'Not found');
    return;
  }
  sendStaticFile(response, lookup, request.method === 'HEAD');
}

/** Reads the request body, or returns null once it grows past `maxBytes` (the rest is not buffered). */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) return null;

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Names the cookie after the port: cookies ignore ports, so two servers on one host would otherwise collide. */
function sessionCookieName(port: number): string {
  return `mailcase_session_${port}`;
}

function hasSessionCookie(request: IncomingMessage, context: RequestContext): boolean {
  const name = sessionCookieName(context.port);
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    if (secretsEqual(part.slice(separator + 1).trim(), context.sessionId)) return true;
  }
  return false;
}

/** Compares two secrets in constant time; hashing first gives equal-length inputs for timingSafeEqual. */
function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function errorReply(code: ErrorCode, reason: string): ChannelReply<Channel> {
  return { ok: false, error: serializeError(new MailcaseError(code, reason)) };
}

function sendReply(response: ServerResponse, status: number, reply: ChannelReply<Channel>): void {
  const body = JSON.stringify(reply);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
