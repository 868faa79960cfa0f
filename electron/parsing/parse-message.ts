// Parses one stored message's raw octets into its derived MessageRecord with mailparser. The raw
// octets are only read: the record is a view that can be rebuilt from the evidence at any time.
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';

import { MAX_HEADER_OCTETS, MAX_HTML_TO_TEXT_CHARS, MAX_MESSAGE_OCTETS, MAX_MIME_PARTS } from '../../shared/limits.js';
import { createAddress, createAttachment, createEmptyRecord, type AddressEntry, type AttachmentSummary, type MessageRecord, type MessageSource } from '../../shared/types.js';

export interface ParseMeta {
  sha256: string;
  size: number;
  sources: MessageSource[];
}

/**
 * Parses raw message octets into a MessageRecord. Resolves, never rejects, for bad mail: a message
 * mailparser cannot read still gets a record, with parseError set and only sha256, size and sources filled in.
 */
export async function parseMessage(raw: Buffer, meta: ParseMeta): Promise<MessageRecord> {
  if (raw.length > MAX_MESSAGE_OCTETS) {
    return failedRecord(meta, `Message is ${raw.length} octets, more than the ${MAX_MESSAGE_OCTETS} octets the parser accepts`);
  }

  let mail: ParsedMail;
  try {
    // skipImageLinks and keepCidLinks leave cid: links alone, so no image is copied into data: URLs.
    // mailparser 3.14 and html-to-text import no network module, so nothing remote is ever fetched.
    mail = await simpleParser(raw, {
      checksumAlgo: 'sha256',
      skipImageLinks: true,
      keepCidLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      maxHeadSize: MAX_HEADER_OCTETS,
      maxChildNodes: MAX_MIME_PARTS,
      maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
    });
  } catch (error) {
    return failedRecord(meta, describeError(error));
  }

  try {
    return buildRecord(mail, meta);
  } catch (error) {
    return failedRecord(meta, describeError(error));
  }
}

function buildRecord(mail: ParsedMail, meta: ParseMeta): MessageRecord {
  const rawDate = readRawHeader(mail, 'date');
  const conversionError = mail.textConversionError ? `HTML body could not be converted to text: ${mail.textConversionError.message}` : null;

  return {
    ...createEmptyRecord(meta.sha256, meta.size, meta.sources),
    parseError: conversionError,
    messageId: mail.messageId ?? null,
    date: parseDateHeader(rawDate),
    rawDate,
    subject: mail.subject ?? '',
    from: flattenAddresses(mail.from),
    to: flattenAddresses(mail.to),
    cc: flattenAddresses(mail.cc),
    bcc: flattenAddresses(mail.bcc),
    replyTo: flattenAddresses(mail.replyTo),
    text: mail.text ?? '',
    attachments: mail.attachments.map(
      (attachment): AttachmentSummary =>
        createAttachment({
          filename: attachment.filename ?? null,
          contentType: attachment.contentType,
          size: attachment.size,
          sha256: attachment.checksum,
        }),
    ),
  };
}

/**
 * Returns the first header of that name as written, unfolded and without the name, or null.
 * mailparser replaces an unreadable Date header with the time of parsing, so the date is read here.
 */
function readRawHeader(mail: ParsedMail, key: string): string | null {
  const line = mail.headerLines.find((header) => header.key === key)?.line;
  if (line === undefined) return null;

  const colon = line.indexOf(':');
  const value = line
    .slice(colon + 1)
    .replace(/\r?\n[ \t]/g, ' ')
    .trim();
  return value;
}

/**
 * Converts a Date header to UTC ISO 8601, or null when it is missing or unreadable.
 * NOTE: JavaScript's Date parser also accepts some text that RFC 5322 does not, such as "2024-01-05",
 * so a loose header can still produce a date. rawDate keeps the header for the investigator to check.
 */
function parseDateHeader(rawDate: string | null): string | null {
  if (rawDate === null || rawDate === '') return null;

  const parsed = new Date(rawDate);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** Lists every mailbox of an address header, with the members of groups in place of the group. */
function flattenAddresses(header: AddressObject | AddressObject[] | undefined): AddressEntry[] {
  if (header === undefined) return [];

  const headers = Array.isArray(header) ? header : [header];
  const entries: AddressEntry[] = [];
  const pending: EmailAddress[] = headers.flatMap((item) => item.value).reverse();
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === undefined) break;

    if (item.group) {
      pending.push(...[...item.group].reverse());
      continue;
    }
    const name = item.name.trim();
    const address = (item.address ?? '').trim();
    if (name !== '' || address !== '') entries.push(createAddress(name, address));
  }
  return entries;
}

function failedRecord(meta: ParseMeta, reason: string): MessageRecord {
  return { ...createEmptyRecord(meta.sha256, meta.size, meta.sources), parseError: reason };
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || 'mailparser failed without a message';
}
