// Parses one stored message's raw octets into its derived MessageRecord. The raw octets are only read: the record
// is a view that can be rebuilt from the evidence at any time.
//
// The message is streamed twice. mailparser's streaming MailParser decodes the header and streams every
// attachment with its SHA-256 checksum. A second walk with mailsplit's Splitter, the splitter MailParser is built
// on, configured the same way, yields each part's IMAP path and decoding chain. That walk is needed because
// MailParser merges all body parts into one text, reports no per-part transfer encoding or charset, and offers no
// hook for mislabelled charsets.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { MailParser, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';

import { MAX_EMBEDDED_DEPTH, MAX_EMBEDDED_MESSAGES, MAX_HTML_TO_TEXT_CHARS, MAX_MESSAGE_OCTETS } from '../../shared/limits.js';
import {
  createEmptyRecord,
  type AttachmentSummary,
  type ContentFlag,
  type MessageRecord,
  type MessageSource,
  type MimePartInfo,
} from '../../shared/types.js';
import { analyzeAttachment, type AttachmentAnalysis } from './attachments/analyze-attachment.js';
import { readHeaderFields } from './headers.js';
import { composeBodyText } from './mime-body.js';
import { encryptionFlag } from './mime-encryption.js';
import { SPLITTER_OPTIONS, splitIntoChunks, walkMimeStructure, type WalkedPart } from './mime-structure.js';
import { isTnefPart, readTnefRecord } from './tnef-record.js';

export interface ParseMeta {
  sha256: string;
  size: number;
  sources: MessageSource[];
}

/** State shared by a stored message and all the messages embedded in it. */
interface ParseContext {
  depth: number;
  /** Embedded records built so far for the stored message, checked against MAX_EMBEDDED_MESSAGES. */
  embeddedCount: { value: number };
}

interface StreamedAttachment {
  /** SHA-256 MailParser computed while streaming, or null if it set none. */
  sha256: string | null;
  content: Buffer;
}

interface StreamedMessage {
  headers: Headers;
  headerLines: HeaderLines;
  /** Attachments by IMAP part path. */
  attachments: Map<string, StreamedAttachment>;
  error: string | null;
}

/**
 * Parses raw message octets into a MessageRecord. Resolves, never rejects, for bad mail: a message mailparser
 * cannot read still gets a record with parseError set and whatever could be read, and a part that cannot be
 * decoded is listed in partErrors while the rest is parsed.
 */
export async function parseMessage(raw: Buffer, meta: ParseMeta): Promise<MessageRecord> {
  return parseMessageAt(raw, meta, { depth: 0, embeddedCount: { value: 0 } });
}

/** Parses a message at a given embedding depth, sharing the embedded-record count of the stored message. */
async function parseMessageAt(raw: Buffer, meta: ParseMeta, context: ParseContext): Promise<MessageRecord> {
  if (raw.length > MAX_MESSAGE_OCTETS) {
    return failedRecord(meta, `Message is ${raw.length} octets, more than the ${MAX_MESSAGE_OCTETS} octets the parser accepts`);
  }

  try {
    return await buildRecord(raw, meta, context);
  } catch (error) {
    return failedRecord(meta, describeError(error));
  }
}

async function buildRecord(raw: Buffer, meta: ParseMeta, context: ParseContext): Promise<MessageRecord> {
  const streamed = await streamThroughMailParser(raw);
  const walk = await walkMimeStructure(raw, {
    keepOctets: (info) => info.role === 'message' || (isFilePart(info) && !streamed.attachments.has(info.path)),
  });

  const record: MessageRecord = {
    ...createEmptyRecord(meta.sha256, meta.size, meta.sources),
    ...readHeaderFields(streamed.headers, streamed.headerLines, findCharsetHint(walk.parts)),
    parseError: streamed.error,
    parts: walk.parts.map((part) => part.info),
  };
  record.partErrors.push(...walk.problems);
  if (walk.limitReached) {
    const location = walk.problems[0]?.location ?? '1';
    record.flags.push({ kind: 'limit-reached', location, detail: 'The message has more MIME parts or header octets than the parser reads, so later parts were not read.' });
  }

  const body = composeBodyText(walk.parts);
  record.text = body.text;
  record.textPartPath = body.textPartPath;
  record.partErrors.push(...body.problems);

  record.flags.push(...messageEncryptionFlags(walk.parts));

  for (const part of walk.parts) {
    if (isFilePart(part.info)) {
      const attachment = await summarizeAttachment(part, streamed.attachments.get(part.info.path));
      record.attachments.push(attachment);
      record.flags.push(...attachment.flags);
      if (isTnefPart(part.info)) await openEmbedded(record, part, streamed, context, 'tnef');
    } else if (part.info.role === 'message') {
      await openEmbedded(record, part, streamed, context, 'message');
    }
  }
  return record;
}

/**
 * Streams the message through MailParser and collects the decoded header and every attachment with its SHA-256.
 * A MailParser error ends the run but keeps what was read, and the error text is returned in `error`.
 */
async function streamThroughMailParser(raw: Buffer): Promise<StreamedMessage> {
  const result: StreamedMessage = { headers: new Map(), headerLines: [], attachments: new Map(), error: null };
  // skipImageLinks leaves cid: links alone, so no image is copied into data: URLs.
  // mailparser 3.14 and html-to-text import no network module, so nothing remote is ever fetched.
  const parser = new MailParser({
    ...SPLITTER_OPTIONS,
    checksumAlgo: 'sha256',
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
  });

  parser.on('headers', (headers: Headers) => {
    result.headers = headers;
  });
  parser.on('headerLines', (lines: HeaderLines) => {
    result.headerLines = lines;
  });
  parser.on('data', (data: AttachmentStream | MessageText) => {
    if (data.type === 'attachment') collectAttachment(data, result);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      parser.once('end', resolve);
      parser.once('error', reject);
      Readable.from(splitIntoChunks(raw)).pipe(parser);
    });
  } catch (error) {
    result.error = describeError(error);
  }
  return result;
}

function collectAttachment(attachment: AttachmentStream, result: StreamedMessage): void {
  const chunks: Buffer[] = [];
  attachment.content.on('data', (chunk: Buffer) => chunks.push(chunk));
  attachment.content.once('end', () => {
    // mailparser leaves partId null for the root of a single-part message, which is part 1 in IMAP numbering.
    const path = attachment.partId ?? '1';
    result.attachments.set(path, { sha256: attachment.checksum ?? null, content: Buffer.concat(chunks) });
    attachment.release?.();
  });
  // MailParser waits for every attachment to be released, so one that fails to decode must be released too. The
  // structure walk then supplies the part's octets, and the parser's own error event reports the failure.
  attachment.content.once('error', () => attachment.release?.());
}

/** Builds an attachment summary from the part, its streamed content and the attachment analysis. */
async function summarizeAttachment(part: WalkedPart, streamed: StreamedAttachment | undefined): Promise<AttachmentSummary> {
  const { info } = part;
  const content = streamed?.content ?? part.octets ?? Buffer.alloc(0);
  const sha256 = streamed?.sha256 ?? part.sha256 ?? createHash('sha256').update(content).digest('hex');
  const analysis = await analyzeSafely(content, info);

  const flags: ContentFlag[] = [...analysis.flags];
  const encryption = encryptionFlag(part, content);
  if (encryption !== null && !flags.some((flag) => flag.kind === encryption.kind)) flags.push(encryption);

  return {
    partPath: info.path,
    filename: info.filename,
    contentType: info.contentType,
    size: content.length,
    sha256,
    truth: analysis.truth,
    text: analysis.text,
    textError: analysis.textError,
    members: analysis.members,
    flags,
  };
}

/** Runs the attachment analysis. A failure of the analysis itself becomes a textError and a flag, not a lost record. */
async function analyzeSafely(content: Buffer, info: MimePartInfo): Promise<AttachmentAnalysis> {
  try {
    return await analyzeAttachment(content, { partPath: info.path, filename: info.filename, contentType: info.contentType });
  } catch (error) {
    const reason = describeError(error);
    return {
      truth: { declaredType: info.contentType, extension: null, detected: null, mismatch: false, mismatchReason: null },
      text: '',
      textError: reason,
      members: [],
      flags: [{ kind: 'extraction-failed', location: info.path, detail: `The attachment could not be analysed: ${reason}` }],
    };
  }
}

/** Flags of encrypted parts that are not attachments: encrypted containers and PGP bodies. */
function messageEncryptionFlags(parts: WalkedPart[]): ContentFlag[] {
  const encryptedContainers = new Set(parts.filter((part) => part.info.contentType === 'multipart/encrypted').map((part) => part.info.path));
  const flags: ContentFlag[] = [];

  for (const part of parts) {
    if (isFilePart(part.info)) continue;
    if (part.parentPath !== null && encryptedContainers.has(part.parentPath)) continue;

    const flag = encryptionFlag(part, null);
    if (flag !== null) flags.push(flag);
  }
  return flags;
}

/**
 * Opens an attached message or a TNEF attachment into an embedded record linked to its parent, unless the depth or
 * the count of embedded records is exhausted, which is flagged instead.
 */
async function openEmbedded(
  record: MessageRecord,
  part: WalkedPart,
  streamed: StreamedMessage,
  context: ParseContext,
  kind: 'message' | 'tnef',
): Promise<void> {
  const location = part.info.path;
  if (context.depth + 1 > MAX_EMBEDDED_DEPTH) {
    record.flags.push({ kind: 'limit-reached', location, detail: `The embedded message is nested deeper than ${MAX_EMBEDDED_DEPTH} levels and was not opened.` });
    return;
  }
  if (context.embeddedCount.value >= MAX_EMBEDDED_MESSAGES) {
    record.flags.push({ kind: 'limit-reached', location, detail: `The message holds more than ${MAX_EMBEDDED_MESSAGES} embedded messages; this one was not opened.` });
    return;
  }
  context.embeddedCount.value += 1;

  const octets = streamed.attachments.get(location)?.content ?? part.octets ?? Buffer.alloc(0);
  const meta: ParseMeta = { sha256: createHash('sha256').update(octets).digest('hex'), size: octets.length, sources: [] };
  const childContext: ParseContext = { depth: context.depth + 1, embeddedCount: context.embeddedCount };
  const parent = { sha256: record.sha256, partPath: location };

  let child: MessageRecord;
  if (kind === 'tnef') {
    child = await readTnefRecord(octets, meta);
    if (child.parseError !== null) {
      record.partErrors.push({ location, reason: child.parseError });
      record.flags.push({ kind: 'extraction-failed', location, detail: 'The TNEF (winmail.dat) attachment could not be read completely.' });
    }
  } else {
    child = await parseMessageAt(octets, meta, childContext);
  }
  record.embedded.push({ ...child, parent });
}

/** Returns the charset the message declares for its root or first body part, the best guess for 8-bit headers. */
function findCharsetHint(parts: WalkedPart[]): string | null {
  const declared = parts.find((part) => part.info.declaredCharset !== null && (part.parentPath === null || part.text !== null));
  return declared?.info.declaredCharset ?? null;
}

/** Tells whether a part is a file the record lists as an attachment. */
function isFilePart(info: MimePartInfo): boolean {
  return info.role === 'attachment' || info.role === 'inline';
}

function failedRecord(meta: ParseMeta, reason: string): MessageRecord {
  return { ...createEmptyRecord(meta.sha256, meta.size, meta.sources), parseError: reason };
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || 'mailparser failed without a message';
}
