// Serves the built renderer from one folder. Request paths are untrusted: anything that could climb
// out of the folder (.., encoded .., backslashes, NUL, symlinks pointing elsewhere) is rejected.
import { createReadStream, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Outcome of mapping a request path onto the static folder. */
export type StaticLookup =
  | { kind: 'file'; filePath: string; size: number; contentType: string }
  | { kind: 'rejected' }
  | { kind: 'not-found' };

/**
 * Maps a raw, still percent-encoded URL path onto a regular file inside `root`, which must be an
 * absolute path with symlinks already resolved. "/" maps to index.html.
 */
export async function lookUpStaticFile(root: string, rawPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'rejected' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'rejected' };
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return { kind: 'rejected' };

  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const candidate = path.resolve(root, relative);
  if (!candidate.startsWith(root + path.sep)) return { kind: 'rejected' };

  // realpath catches a symlink inside the folder that points outside it.
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    return { kind: 'not-found' };
  }
  if (!real.startsWith(root + path.sep)) return { kind: 'rejected' };

  const stats = await fs.stat(real).catch(() => null);
  if (!stats?.isFile()) return { kind: 'not-found' };

  const contentType = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
  return { kind: 'file', filePath: real, size: stats.size, contentType };
}

/** Streams a looked-up file as the response body; HEAD requests get the headers only. */
export function sendStaticFile(response: ServerResponse, file: { filePath: string; size: number; contentType: string }, isHead: boolean): void {
  response.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': String(file.size),
    'Cache-Control': 'no-cache',
  });
  if (isHead) {
    response.end();
    return;
  }

  const stream = createReadStream(file.filePath);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
