// Serves the built renderer under app://mailcase/ with the same security headers as the review server.
// Request paths are untrusted and go through the review server's folder lookup, which rejects traversal.
import { promises as fs } from 'node:fs';

import { SECURITY_HEADERS } from '../api/security-headers.js';
import { lookUpStaticFile } from '../review-server/static-files.js';
import { APP_HOST } from './window-options.js';

/** Returns a protocol handler that serves GET and HEAD requests for files inside `rootDir` only. */
export function createAppFileHandler(rootDir: string): (request: Request) => Promise<Response> {
  let realRoot: Promise<string> | null = null;

  return async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return textResponse(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');

    realRoot ??= fs.realpath(rootDir);
    const lookup = await lookUpStaticFile(await realRoot, url.pathname);
    if (lookup.kind === 'rejected') return textResponse(400, 'Invalid path');
    if (lookup.kind === 'not-found') return textResponse(404, 'Not found');

    const body = request.method === 'HEAD' ? null : await fs.readFile(lookup.filePath);
    return new Response(body, {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': lookup.contentType, 'Cache-Control': 'no-cache' },
    });
  };
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}
