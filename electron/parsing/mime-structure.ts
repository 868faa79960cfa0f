// Walks a message's MIME tree with mailsplit's streaming Splitter (the splitter mailparser is built on): IMAP part
// paths, the decoding chain of every part, and the decoded octets of the parts the caller asks for.
import { createHash, type Hash } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { finished } from 'node:stream/promises';

import { Splitter, type MimeNode } from '@zone-eu/mailsplit';
import libmime from 'libmime';

import { MAX_HEADER_OCTETS, MAX_MIME_PARTS } from '../../shared/limits.js';
import type { MimePartInfo } from '../../shared/types.js';
import { decodeText } from './charset.js';

/** Octets handed to the splitter at a time, so a large message is split as a stream, not as one block. */
const SPLIT_CHUNK_OCTETS = 64 * 1024;

/** Content types mailparser reads as body text when they are not attachments. */
const BODY_TYPES = new Set(['text/plain', 'text/html', 'message/delivery-status']);

/** Splitter options shared with the MailParser run so that both number the parts the same way. */
export const SPLITTER_OPTIONS = {
  // Attached messages stay leaves: their octets become embedded records of their own.
  ignoreEmbedded: true,
  maxHeadSize: MAX_HEADER_OCTETS,
  maxChildNodes: MAX_MIME_PARTS,
};

export interface WalkedPart {
  info: MimePartInfo;
  /** Path of the nearest multipart ancestor, or null for the root. */
  parentPath: string | null;
  /** True when a multipart/alternative encloses the part. */
  inAlternative: boolean;
  /** Lower-case Content-Type parameters that flag encryption: smime-type and protocol. */
  smimeType: string | null;
  protocol: string | null;
  /** SHA-256 of the decoded octets of a leaf part, or null for a multipart. */
  sha256: string | null;
  /** Decoded octets, kept only for the parts the caller asked for. */
  octets: Buffer | null;
  /** Decoded text of a body-text or body-html part with LF line breaks, or null for other parts. */
  text: string | null;
}

export interface MimeWalk {
  parts: WalkedPart[];
  /** Parts that could not be read, each with its path and reason. */
  problems: { location: string; reason: string }[];
  /** True when the walk stopped at a limit (MAX_MIME_PARTS or MAX_HEADER_OCTETS). */
  limitReached: boolean;
}

export interface WalkOptions {
  /** Decides, from a part's decoding chain, whether its decoded octets are kept in `octets`. */
  keepOctets: (info: MimePartInfo) => boolean;
}

interface LeafState {
  part: WalkedPart;
  decoder: Transform;
  hash: Hash;
  chunks: Buffer[] | null;
  size: number;
  done: Promise<void>;
  node: MimeNode;
}

/**
 * Walks the MIME tree of a message and returns every part in document order with its decoding chain. Never
 * rejects. A fault in the structure stops the walk, keeps the parts read so far and is reported in `problems`.
 */
export async function walkMimeStructure(raw: Buffer, options: WalkOptions): Promise<MimeWalk> {
  const walk: MimeWalk = { parts: [], problems: [], limitReached: false };
  const paths = new Map<MimeNode, WalkedPart>();
  const splitter = new Splitter(SPLITTER_OPTIONS);
  let leaf: LeafState | null = null;

  Readable.from(splitIntoChunks(raw)).pipe(splitter);
  try {
    for await (const chunk of splitter as AsyncIterable<MimeNode | { type: 'data' | 'body'; value: Buffer }>) {
      if (chunk.type === 'node') {
        if (leaf !== null) await finishLeaf(leaf, walk);
        leaf = null;

        const part = describeNode(chunk, paths);
        paths.set(chunk, part);
        walk.parts.push(part);
        if (part.info.role !== 'container') leaf = startLeaf(chunk, part, options);
      } else if (chunk.type === 'body' && leaf !== null) {
        if (!leaf.decoder.write(chunk.value)) await new Promise((resolve) => leaf?.decoder.once('drain', resolve));
      } else if (chunk.type === 'data' && leaf !== null) {
        await finishLeaf(leaf, walk);
        leaf = null;
      }
    }
    if (leaf !== null) await finishLeaf(leaf, walk);
  } catch (error) {
    const location = walk.parts.at(-1)?.info.path ?? '1';
    const reason = error instanceof Error ? error.message : String(error);
    walk.problems.push({ location, reason: `MIME structure could not be read past this part: ${reason}` });
    walk.limitReached = (error as { code?: unknown }).code === 'EMAXLEN';
    splitter.destroy();
  }
  return walk;
}

/** Yields a buffer in slices of SPLIT_CHUNK_OCTETS, so parsers receive it as a stream. */
export function* splitIntoChunks(raw: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < raw.length; offset += SPLIT_CHUNK_OCTETS) {
    yield raw.subarray(offset, offset + SPLIT_CHUNK_OCTETS);
  }
}

/** Builds a part's decoding chain from its parsed MIME headers. */
function describeNode(node: MimeNode, parts: Map<MimeNode, WalkedPart>): WalkedPart {
  const parent = node.parentNode === false ? undefined : parts.get(node.parentNode);
  const numbers = (node.partNr === false ? [] : node.partNr).filter((item) => typeof item === 'number');
  // IMAP numbers the body of a single-part message "1" and gives the root multipart no number, so it gets ''.
  let path = numbers.join('.');
  if (path === '' && node.multipart === false) path = '1';

  const hasContentType = node.headers !== false && node.headers.get('Content-Type').length > 0;
  const parentIsDigest = parent?.info.contentType === 'multipart/digest';
  // RFC 2046 section 5.1.5: a member of multipart/digest without Content-Type is message/rfc822.
  const contentType = !hasContentType && parentIsDigest ? 'message/rfc822' : node.contentType || 'text/plain';
  const params = readContentTypeParams(node);
  const disposition = node.disposition || null;
  const transferEncoding = node.encoding ? node.encoding : null;
  const declaredCharset = node.charset ? node.charset : null;

  const info: MimePartInfo = {
    path,
    contentType,
    transferEncoding,
    declaredCharset,
    charsetUsed: null,
    filename: node.filename ? repairRawFilename(node.filename) : null,
    disposition,
    size: 0,
    role: roleOf(node.multipart !== false, contentType, disposition),
  };
  return {
    info,
    parentPath: parent?.info.path ?? null,
    inAlternative: parent !== undefined && (parent.info.contentType === 'multipart/alternative' || parent.inAlternative),
    smimeType: params['smime-type']?.toLowerCase() ?? null,
    protocol: params['protocol']?.toLowerCase() ?? null,
    sha256: null,
    octets: null,
    text: null,
  };
}

/**
 * Assigns a part its role the way mailparser 3.14 sorts parts: text/plain, text/html and delivery status reports
 * are body text unless marked as attachments, and every other leaf is an attachment. A Content-Disposition other
 * than "inline" or "attachment" counts as "attachment", as in mailparser.
 */
function roleOf(isMultipart: boolean, contentType: string, disposition: string | null): MimePartInfo['role'] {
  if (isMultipart) return 'container';
  if (contentType === 'message/rfc822' || contentType === 'message/global') return 'message';

  const normalized = disposition === null || disposition === 'inline' ? disposition : 'attachment';
  if (BODY_TYPES.has(contentType) && normalized !== 'attachment') {
    return contentType === 'text/html' ? 'body-html' : 'body-text';
  }
  return normalized === 'inline' ? 'inline' : 'attachment';
}

/**
 * Decodes a filename written as raw 8-bit octets. mailsplit reads header octets as Latin-1, so a name sent as bare
 * UTF-8 arrives as mojibake. RFC 2045 allows only ASCII there, but webmail clients send such names. The octets are
 * recovered and decoded with the unlabelled-text rules. Names with characters above U+00FF were decoded already.
 */
function repairRawFilename(filename: string): string {
  const codes = [...filename].map((character) => character.codePointAt(0) ?? 0);
  if (!codes.some((code) => code >= 0x80) || codes.some((code) => code > 0xff)) return filename;
  return decodeText(Buffer.from(filename, 'latin1'), null).text;
}

function readContentTypeParams(node: MimeNode): Record<string, string> {
  if (node.headers === false) return {};
  const header = node.headers.getFirst('Content-Type');
  if (!header) return {};

  const value = header.slice(header.indexOf(':') + 1);
  const params = libmime.parseHeaderValue(value, { stripComments: true }).params;
  return Object.fromEntries(Object.entries(params).map(([key, item]) => [key.toLowerCase(), String(item)]));
}

function startLeaf(node: MimeNode, part: WalkedPart, options: WalkOptions): LeafState {
  const decoder = node.getDecoder();
  const keep = options.keepOctets(part.info) || part.info.role === 'body-text' || part.info.role === 'body-html';
  const state: LeafState = {
    part,
    decoder,
    hash: createHash('sha256'),
    chunks: keep ? [] : null,
    size: 0,
    node,
    done: Promise.resolve(),
  };
  decoder.on('data', (data: Buffer | string) => {
    const octets = typeof data === 'string' ? Buffer.from(data, 'binary') : data;
    state.hash.update(octets);
    state.size += octets.length;
    state.chunks?.push(octets);
  });
  state.done = finished(decoder);
  return state;
}

/** Ends a leaf's transfer decoding, then records its size, hash, octets and, for body parts, its text. */
async function finishLeaf(state: LeafState, walk: MimeWalk): Promise<void> {
  const { part } = state;
  state.decoder.end();
  try {
    await state.done;
  } catch (error) {
    walk.problems.push({ location: part.info.path, reason: `Transfer decoding failed: ${describeError(error)}` });
  }

  part.info.size = state.size;
  part.sha256 = state.hash.digest('hex');
  if (state.chunks !== null) part.octets = Buffer.concat(state.chunks, state.size);
  if (part.info.role !== 'body-text' && part.info.role !== 'body-html') return;

  try {
    const decoded = decodeText(part.octets ?? Buffer.alloc(0), part.info.declaredCharset);
    let text = decoded.text;
    // RFC 3676 format=flowed joins soft-broken lines again; delsp=yes also drops the space before the break.
    if (state.node.flowed) text = libmime.decodeFlowed(text, state.node.delSp);
    part.text = text.replace(/\r?\n/g, '\n');
    part.info.charsetUsed = decoded.charsetUsed;
  } catch (error) {
    walk.problems.push({ location: part.info.path, reason: `Charset decoding failed: ${describeError(error)}` });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
