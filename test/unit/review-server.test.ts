// Attacks on the browser review server: missing or wrong credentials, foreign Host and Origin headers,
// path traversal. Requests go through node:http so paths reach the server exactly as written.
import http from 'node:http';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HandlerTable } from '../../electron/api/handler-table.js';
import { stubHandlers } from '../helpers/stub-handlers.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MAX_RULE_FILE_BYTES, REVIEW_SERVER_MAX_BODY_BYTES } from '../../shared/limits.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';

const SECRET_TEXT = 'TOP-SECRET-PACKAGE-FILE';
const INDEX_HTML = '<!doctype html><title>Mailcase</title>';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one request with exactly the given path and headers. */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { Host: `127.0.0.1:${port}`, ...options.headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function reviewHandlers(): HandlerTable {
  return stubHandlers({
    'case:open': async (input) => ({ dir: input.dir, name: 'stub', caseId: 'c-1', messageCount: 3, parseErrorCount: 0 }),
    'rules:run': async (input) => ({
      schemaVersion: 1,
      appVersion: 'test',
      ranAt: '2024-01-01T00:00:00.000Z',
      rulesSha256: String(input.rulesJson.length),
      packName: '',
      evidenceSha256: '',
      messageCount: 0,
      unparsed: [],
      contentSha256: '',
      rules: [],
    }),
    'rules:packs': async () => ({ packs: [] }),
  });
}

describe('review server', () => {
  let root: string;
  let server: ReviewServer;
  let token: string;
  let cookie: string;

  beforeAll(async () => {
    setLogSink(() => undefined);
    root = await mkdtemp(path.join(os.tmpdir(), 'mailcase-review-'));
    const staticDir = path.join(root, 'static');
    await mkdir(path.join(staticDir, 'assets'), { recursive: true });
    await writeFile(path.join(staticDir, 'index.html'), INDEX_HTML);
    await writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log(1);');
    await writeFile(path.join(root, 'package.json'), SECRET_TEXT);

    server = await startReviewServer({ staticDir, handlers: reviewHandlers() });
    token = new URL(server.url).searchParams.get('token') ?? '';

    const login = await request(server.port, { path: `/?token=${token}` });
    cookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  });

  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const postJson = (body: string, headers: Record<string, string> = {}) =>
    request(server.port, { method: 'POST', path: '/api/case:open', headers: { 'Content-Type': 'application/json', Cookie: cookie, ...headers }, body });

  it('prints a loopback URL with a 256-bit token', () => {
    expect(server.url.startsWith(`http://127.0.0.1:${server.port}/?token=`)).toBe(true);
    expect(Buffer.from(token, 'base64url').length).toBe(32);
  });

  it('redirects a good token to the bare path', async () => {
    const response = await request(server.port, { path: `/?token=${token}` });

    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
  });

  it('sets a strict HttpOnly session cookie', async () => {
    const response = await request(server.port, { path: `/?token=${token}` });

    const setCookie = response.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^mailcase_session_\d+=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  it('serves the index page with the cookie', async () => {
    const response = await request(server.port, { path: '/', headers: { Cookie: cookie } });

    expect(response.status).toBe(200);
    expect(response.body).toBe(INDEX_HTML);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('sends the strict CSP and hardening headers', async () => {
    const response = await request(server.port, { path: '/assets/app.js', headers: { Cookie: cookie } });

    expect(response.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('rejects a request without token or cookie', async () => {
    const response = await request(server.port, { path: '/' });

    expect(response.status).toBe(401);
  });

  it('rejects a wrong token', async () => {
    const response = await request(server.port, { path: `/?token=${'A'.repeat(43)}` });

    expect(response.status).toBe(401);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('rejects a forged session cookie', async () => {
    const forged = cookie.replace(/=.*$/, `=${'B'.repeat(43)}`);

    const response = await request(server.port, { path: '/', headers: { Cookie: forged } });

    expect(response.status).toBe(401);
  });

  it('rejects an API call without the cookie', async () => {
    const response = await postJson(JSON.stringify({ dir: '/cases/one' }), { Cookie: '' });

    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe('UNAUTHORIZED');
  });

  it('rejects a foreign Host header', async () => {
    const response = await request(server.port, { path: '/', headers: { Host: `evil.example:${server.port}`, Cookie: cookie } });

    expect(response.status).toBe(403);
  });

  it('rejects a Host header with another port', async () => {
    const response = await request(server.port, { path: '/', headers: { Host: '127.0.0.1:1', Cookie: cookie } });

    expect(response.status).toBe(403);
  });

  it('accepts localhost as Host', async () => {
    const response = await request(server.port, { path: '/', headers: { Host: `localhost:${server.port}`, Cookie: cookie } });

    expect(response.status).toBe(200);
  });

  it('rejects a cross-origin POST', async () => {
    const response = await postJson(JSON.stringify({ dir: '/cases/one' }), { Origin: 'http://evil.example' });

    expect(response.status).toBe(403);
  });

  it('rejects a cross-site fetch', async () => {
    const response = await postJson(JSON.stringify({ dir: '/cases/one' }), { 'Sec-Fetch-Site': 'cross-site' });

    expect(response.status).toBe(403);
  });

  it('rejects a POST that is not JSON', async () => {
    const response = await postJson('dir=/cases/one', { 'Content-Type': 'application/x-www-form-urlencoded' });

    expect(response.status).toBe(415);
  });

  it('rejects a body over the size limit', async () => {
    const response = await postJson(JSON.stringify({ dir: 'x'.repeat(REVIEW_SERVER_MAX_BODY_BYTES) }));

    expect(response.status).toBe(413);
  });

  it('accepts a maximum-size rule file', async () => {
    // Every quote becomes a two-byte escape, the worst case for a rule file's JSON envelope.
    const rulesJson = '"'.repeat(MAX_RULE_FILE_BYTES);
    const response = await request(server.port, {
      method: 'POST',
      path: '/api/rules:run',
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify({ dir: '/cases/one', rulesJson }),
    });

    expect(response.status).toBe(200);
    expect((JSON.parse(response.body) as { value: { rulesSha256: string } }).value.rulesSha256).toBe(String(MAX_RULE_FILE_BYTES));
  });

  it('answers a same-origin API call', async () => {
    const response = await postJson(JSON.stringify({ dir: '/cases/one' }), { Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true, value: { dir: '/cases/one', name: 'stub', caseId: 'c-1', messageCount: 3, parseErrorCount: 0 } });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers invalid channel input with INVALID_INPUT', async () => {
    const response = await postJson(JSON.stringify({ dir: 42 }));

    const reply = JSON.parse(response.body);
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('INVALID_INPUT');
    expect(reply.error.details.issues[0].path).toBe('dir');
  });

  it('answers an unknown channel with INVALID_INPUT', async () => {
    const response = await request(server.port, { method: 'POST', path: '/api/case:delete', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });

    expect(JSON.parse(response.body).error.code).toBe('INVALID_INPUT');
  });

  it.each([
    ['/../package.json'],
    ['/%2e%2e/package.json'],
    ['/..%2fpackage.json'],
    ['/assets/..%2f..%2fpackage.json'],
    ['/%2E%2E%5Cpackage.json'],
    ['/index.html%00.js'],
  ])('never serves the file outside the folder for %s', async (attackPath) => {
    const response = await request(server.port, { path: attackPath, headers: { Cookie: cookie } });

    expect([400, 404]).toContain(response.status);
    expect(response.body.includes(SECRET_TEXT)).toBe(false);
  });

  it('returns 404 for a missing file', async () => {
    const response = await request(server.port, { path: '/missing.js', headers: { Cookie: cookie } });

    expect(response.status).toBe(404);
  });
});
