// Turns the header values mailparser decoded into the record's header fields: address entries with both domain
// forms, the Date header with its raw text, the Received chain and the threading headers.
import { isUtf8 } from 'node:buffer';
import { domainToASCII, domainToUnicode } from 'node:url';

import libmime from 'libmime';
import { parseAddressHeader, type AddressObject, type EmailAddress, type HeaderLines, type Headers } from 'mailparser';

import type { AddressEntry, MessageRecord } from '../../shared/types.js';
import { decodeText } from './charset.js';

/** Address headers the record keeps, by mailparser's lower-case header key. */
const ADDRESS_KEYS = ['from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'return-path', 'delivered-to'] as const;

/** Address headers mailparser keeps only the first occurrence of, as mail clients display them. */
const SINGLE_ADDRESS_KEYS = new Set(['from', 'sender', 'reply-to']);

/** Header fields of a record that come from the message header. */
export type HeaderFields = Pick<
  MessageRecord,
  | 'messageId'
  | 'date'
  | 'rawDate'
  | 'subject'
  | 'from'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'replyTo'
  | 'sender'
  | 'returnPath'
  | 'deliveredTo'
  | 'received'
  | 'inReplyTo'
  | 'references'
>;

/**
 * Reads the record's header fields from mailparser's decoded header map and the raw header lines. Older clients
 * write Subject and address headers in raw 8-bit octets that are not UTF-8, which RFC 5322 does not allow.
 * mailparser reads such octets as UTF-8 and replaces them with U+FFFD, so they are decoded again here under
 * `charsetHint`, the charset the message declares for its body.
 */
export function readHeaderFields(headers: Headers, lines: HeaderLines, charsetHint: string | null): HeaderFields {
  const rawDate = readRawHeader(lines, 'date');
  const addresses = new Map<string, AddressEntry[]>();
  for (const key of ADDRESS_KEYS) {
    const raw = readEightBitHeaders(lines, key, charsetHint);
    const value = raw === null ? headers.get(key) : raw.slice(0, SINGLE_ADDRESS_KEYS.has(key) ? 1 : undefined).map((line) => parseAddressHeader(line));
    addresses.set(key, readAddresses(value));
  }
  const rawSubject = readEightBitHeaders(lines, 'subject', charsetHint)?.[0];

  return {
    messageId: readString(headers.get('message-id')),
    date: parseDateHeader(rawDate),
    rawDate,
    subject: rawSubject === undefined ? (readString(headers.get('subject')) ?? '') : decodeWords(rawSubject),
    from: addresses.get('from') ?? [],
    to: addresses.get('to') ?? [],
    cc: addresses.get('cc') ?? [],
    bcc: addresses.get('bcc') ?? [],
    replyTo: addresses.get('reply-to') ?? [],
    sender: addresses.get('sender') ?? [],
    returnPath: addresses.get('return-path') ?? [],
    deliveredTo: addresses.get('delivered-to') ?? [],
    received: readAllRawHeaders(lines, 'received'),
    inReplyTo: readString(headers.get('in-reply-to')),
    references: readReferences(headers.get('references')),
  };
}

/**
 * Returns an address entry with the domain in lower-case punycode and Unicode forms (WHATWG URL domain
 * conversion, as node:url implements it). A domain that conversion rejects, such as an address literal or one with
 * characters no host name may contain, keeps its lower-cased written form in both fields.
 */
export function createAddressEntry(name: string, address: string): AddressEntry {
  const at = address.lastIndexOf('@');
  const domain = at === -1 ? '' : address.slice(at + 1).trim().toLowerCase();
  if (domain === '') return { name, address, domainAscii: '', domainUnicode: '' };

  const ascii = domainToASCII(domain);
  if (ascii === '') return { name, address, domainAscii: domain, domainUnicode: domain };

  const unicode = domainToUnicode(ascii);
  return { name, address, domainAscii: ascii, domainUnicode: unicode === '' ? domain : unicode };
}

/** Lists every mailbox of an address header, with the members of groups in place of the group. */
export function readAddresses(value: unknown): AddressEntry[] {
  const objects = (Array.isArray(value) ? value : [value]).filter(isAddressObject);
  const pending: EmailAddress[] = objects.flatMap((item) => item.value).reverse();
  const entries: AddressEntry[] = [];

  while (pending.length > 0) {
    const item = pending.pop();
    if (item === undefined) break;

    if (item.group !== undefined) {
      pending.push(...[...item.group].reverse());
      continue;
    }
    const name = (item.name ?? '').trim();
    const address = (item.address ?? '').trim();
    if (name !== '' || address !== '') entries.push(createAddressEntry(name, address));
  }
  return entries;
}

/**
 * Returns the first header of that name as written, unfolded and without the name, or null. mailparser
 * replaces an unreadable Date header with the time of parsing, so the date is read from the raw line.
 */
export function readRawHeader(lines: HeaderLines, key: string): string | null {
  return readAllRawHeaders(lines, key)[0] ?? null;
}

/** Returns every header of that name as written, unfolded, in message order. */
export function readAllRawHeaders(lines: HeaderLines, key: string): string[] {
  return lines
    .filter((header) => header.key === key)
    .map((header) =>
      header.line
        .slice(header.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]/g, ' ')
        .trim(),
    );
}

/**
 * Converts a Date header to UTC ISO 8601, or null when it is missing or unreadable.
 * NOTE: JavaScript's Date parser also accepts some text that RFC 5322 does not, such as "2024-01-05",
 * so a loose header can still produce a date. rawDate keeps the header for the investigator to check.
 */
export function parseDateHeader(rawDate: string | null): string | null {
  if (rawDate === null || rawDate === '') return null;

  const parsed = new Date(rawDate);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/**
 * Returns the unfolded values of every header of that name decoded under the charset hint, or null when all of
 * them are valid UTF-8, in which case mailparser's decoding is kept. mailsplit hands header lines over as
 * "binary" strings, one character per octet, so the octets are recovered exactly.
 */
function readEightBitHeaders(lines: HeaderLines, key: string, charsetHint: string | null): string[] | null {
  const matching = lines.filter((header) => header.key === key);
  const octets = matching.map((header) => Buffer.from(header.line.slice(header.line.indexOf(':') + 1), 'binary'));
  if (octets.every((value) => isUtf8(value))) return null;

  return octets.map((value) => decodeText(value, charsetHint).text.replace(/\r?\n[ \t]/g, ' ').trim());
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function readString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return null;
}

function readReferences(value: unknown): string[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === 'string' && item !== '');
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && Array.isArray((value as { value?: unknown }).value);
}
