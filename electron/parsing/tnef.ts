// Reads the body and attachments out of a TNEF stream (winmail.dat, application/ms-tnef) as described in
// Microsoft's [MS-OXTNEF]. No maintained npm TNEF library exists, so this is a small reader of our own.
import iconv from 'iconv-lite';

import { MailcaseError } from '../../shared/errors.js';

/** First four octets of every TNEF stream (little-endian 0x223E9F78). */
const TNEF_SIGNATURE = 0x223e9f78;

/**
 * Maximum attributes read from one TNEF stream, and maximum MAPI properties read from one property list. Outlook
 * writes a few dozen of each, so a count far beyond these comes from a damaged or hostile stream.
 */
export const MAX_TNEF_ATTRIBUTES = 10_000;
export const MAX_TNEF_PROPERTIES = 10_000;

// Attribute ids ([MS-OXTNEF] section 2.1.3.2), with the attribute type in the high 16 bits.
const ATT_SUBJECT = 0x00018004;
const ATT_BODY = 0x0002800c;
const ATT_MESSAGE_CLASS = 0x00078008;
const ATT_ATTACH_DATA = 0x0006800f;
const ATT_ATTACH_TITLE = 0x00018010;
const ATT_ATTACH_RENDDATA = 0x00069002;
const ATT_MAPI_PROPS = 0x00069003;
const ATT_ATTACHMENT = 0x00069005;
const ATT_OEM_CODEPAGE = 0x00069007;

const LEVEL_MESSAGE = 1;
const LEVEL_ATTACHMENT = 2;

// MAPI property ids ([MS-OXPROPS]) this reader uses.
const PR_SUBJECT = 0x0037;
const PR_BODY = 0x1000;
const PR_BODY_HTML = 0x1013;
const PR_RTF_COMPRESSED = 0x1009;
const PR_ATTACH_DATA = 0x3701;
const PR_ATTACH_FILENAME = 0x3704;
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_MIME_TAG = 0x370e;
const PR_DISPLAY_NAME = 0x3001;
const PR_INTERNET_CPID = 0x3fde;

// MAPI property types ([MS-OXCDATA] section 2.11.1).
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MULTI_VALUE = 0x1000;
const FIXED_TYPE_OCTETS = new Map<number, number>([
  [0x0001, 4], // PT_NULL
  [0x0002, 2], // PT_SHORT
  [0x0003, 4], // PT_LONG
  [0x0004, 4], // PT_FLOAT
  [0x0005, 8], // PT_DOUBLE
  [0x0006, 8], // PT_CURRENCY
  [0x0007, 8], // PT_APPTIME
  [0x000a, 4], // PT_ERROR
  [0x000b, 2], // PT_BOOLEAN
  [0x0014, 8], // PT_I8
  [0x0040, 8], // PT_SYSTIME
  [0x0048, 16], // PT_CLSID
]);

export interface TnefAttachment {
  /** Long filename when given, else the 8.3 title, or null. */
  filename: string | null;
  /** MIME type Outlook recorded for the attachment, or null. */
  contentType: string | null;
  data: Buffer;
}

export interface TnefContent {
  messageClass: string | null;
  subject: string | null;
  /** Plain-text body, or null when the stream carries none. */
  body: string | null;
  /** HTML body, or null when the stream carries none. */
  bodyHtml: string | null;
  /** Compressed RTF body (PR_RTF_COMPRESSED, see tnef-rtf.ts), or null when the stream carries none. */
  rtfCompressed: Buffer | null;
  attachments: TnefAttachment[];
  /** Problems that stopped part of the stream from being read. What came before them is kept. */
  problems: string[];
}

interface MapiProperty {
  type: number;
  id: number;
  values: Buffer[];
}

/**
 * Reads a TNEF stream's message class, subject, bodies and attachments. Throws PARSE_FAILED when the data does not
 * start with the TNEF signature. A stream that breaks off later yields what was read up to the fault, with the
 * fault listed in `problems`.
 */
export function readTnef(data: Buffer): TnefContent {
  if (data.length < 6 || data.readUInt32LE(0) !== TNEF_SIGNATURE) {
    throw new MailcaseError('PARSE_FAILED', 'TNEF data does not start with the TNEF signature 0x223E9F78');
  }

  const content: TnefContent = { messageClass: null, subject: null, body: null, bodyHtml: null, rtfCompressed: null, attachments: [], problems: [] };
  const pending: { title: string | null; longName: string | null; mimeTag: string | null; data: Buffer | null }[] = [];
  const message: MessageAttributes = { bodyOctets: null, internetCodepage: null };
  let codepage = 1252;
  let offset = 6;
  let count = 0;

  while (offset < data.length) {
    count += 1;
    if (count > MAX_TNEF_ATTRIBUTES) {
      content.problems.push(`TNEF stream has more than ${MAX_TNEF_ATTRIBUTES} attributes; the rest was not read`);
      break;
    }
    if (offset + 9 > data.length) {
      content.problems.push(`TNEF attribute header at offset ${offset} is truncated`);
      break;
    }

    const level = data.readUInt8(offset);
    const id = data.readUInt32LE(offset + 1);
    const length = data.readUInt32LE(offset + 5);
    const start = offset + 9;
    const end = start + length;
    if (end + 2 > data.length) {
      content.problems.push(`TNEF attribute 0x${id.toString(16)} at offset ${offset} runs past the end of the data`);
      break;
    }
    const value = data.subarray(start, end);
    offset = end + 2; // The 16-bit checksum is not verified, because a wrong one does not make the data unreadable.

    if (id === ATT_OEM_CODEPAGE && value.length >= 4) {
      codepage = value.readUInt32LE(0);
      continue;
    }

    if (level === LEVEL_MESSAGE) {
      readMessageAttribute(content, message, id, value, codepage);
      continue;
    }
    if (level !== LEVEL_ATTACHMENT) continue;

    if (id === ATT_ATTACH_RENDDATA) {
      pending.push({ title: null, longName: null, mimeTag: null, data: null });
      continue;
    }
    const current = pending.at(-1);
    if (current === undefined) continue;

    if (id === ATT_ATTACH_TITLE) current.title = decodeString8(value, codepage);
    else if (id === ATT_ATTACH_DATA) current.data = value;
    else if (id === ATT_ATTACHMENT) {
      const properties = readPropertyList(value, content.problems);
      current.longName = findString(properties, PR_ATTACH_LONG_FILENAME, codepage) ?? findString(properties, PR_DISPLAY_NAME, codepage);
      current.title ??= findString(properties, PR_ATTACH_FILENAME, codepage);
      current.mimeTag = findString(properties, PR_ATTACH_MIME_TAG, codepage);
      current.data ??= findBinary(properties, PR_ATTACH_DATA);
    }
  }

  // Outlook writes attBody in the message's Internet codepage (PR_INTERNET_CPID), which may differ from the OEM one.
  if (content.body === null && message.bodyOctets !== null) content.body = decodeString8(message.bodyOctets, message.internetCodepage ?? codepage);

  // NOTE: an attachment that is itself an Outlook message (PR_ATTACH_DATA_OBJ, an embedded TNEF object) has no
  // binary data and is left out, so its content is not shown.
  for (const item of pending) {
    if (item.data === null) continue;
    content.attachments.push({ filename: item.longName ?? item.title, contentType: item.mimeTag, data: item.data });
  }
  return content;
}

interface MessageAttributes {
  bodyOctets: Buffer | null;
  internetCodepage: number | null;
}

function readMessageAttribute(content: TnefContent, message: MessageAttributes, id: number, value: Buffer, codepage: number): void {
  if (id === ATT_SUBJECT) {
    content.subject = decodeString8(value, codepage);
  } else if (id === ATT_BODY) {
    message.bodyOctets = value;
  } else if (id === ATT_MESSAGE_CLASS) {
    content.messageClass = decodeString8(value, codepage);
  } else if (id === ATT_MAPI_PROPS) {
    const properties = readPropertyList(value, content.problems);
    const cpid = properties.find((property) => property.id === PR_INTERNET_CPID)?.values[0];
    if (cpid !== undefined && cpid.length >= 4) message.internetCodepage = cpid.readUInt32LE(0);
    content.subject ??= findString(properties, PR_SUBJECT, codepage);
    content.body ??= findString(properties, PR_BODY, message.internetCodepage ?? codepage);
    const html = properties.find((property) => property.id === PR_BODY_HTML)?.values[0];
    // PR_BODY_HTML is binary in the codepage of the message, or a Unicode string.
    const htmlCodepage = message.internetCodepage ?? codepage;
    if (html !== undefined) content.bodyHtml = findString(properties, PR_BODY_HTML, htmlCodepage) ?? decodeString8(html, htmlCodepage);
    content.rtfCompressed = findBinary(properties, PR_RTF_COMPRESSED);
  }
}

/** Reads a MAPI property list ([MS-OXTNEF] section 2.1.3.5) up to the first malformed property. */
function readPropertyList(data: Buffer, problems: string[]): MapiProperty[] {
  const properties: MapiProperty[] = [];
  if (data.length < 4) return properties;

  const count = data.readUInt32LE(0);
  let offset = 4;
  try {
    for (let index = 0; index < count; index += 1) {
      if (index >= MAX_TNEF_PROPERTIES) {
        problems.push(`TNEF property list has more than ${MAX_TNEF_PROPERTIES} properties; the rest was not read`);
        break;
      }
      const type = data.readUInt16LE(offset);
      const id = data.readUInt16LE(offset + 2);
      offset += 4;

      // Named properties (id 0x8000 and above) carry a GUID and a numeric id or a UTF-16 name first.
      if (id >= 0x8000) {
        offset += 16;
        const kind = data.readUInt32LE(offset);
        offset += 4;
        if (kind === 0) offset += 4;
        else offset += 4 + padTo4(data.readUInt32LE(offset));
      }

      const values: Buffer[] = [];
      const baseType = type & ~MULTI_VALUE;
      const isVariable = baseType === PT_STRING8 || baseType === PT_UNICODE || baseType === PT_BINARY || baseType === PT_OBJECT;
      if (isVariable) {
        const valueCount = data.readUInt32LE(offset);
        offset += 4;
        for (let item = 0; item < valueCount && item < MAX_TNEF_PROPERTIES; item += 1) {
          const length = data.readUInt32LE(offset);
          offset += 4;
          if (offset + length > data.length) throw new RangeError(`property 0x${id.toString(16)} runs past the end`);
          values.push(data.subarray(offset, offset + length));
          offset += padTo4(length);
        }
      } else {
        const size = FIXED_TYPE_OCTETS.get(baseType);
        if (size === undefined) throw new RangeError(`property 0x${id.toString(16)} has unknown type 0x${type.toString(16)}`);
        const valueCount = (type & MULTI_VALUE) !== 0 ? data.readUInt32LE(offset) : 1;
        if ((type & MULTI_VALUE) !== 0) offset += 4;
        for (let item = 0; item < valueCount && item < MAX_TNEF_PROPERTIES; item += 1) {
          values.push(data.subarray(offset, offset + size));
          offset += padTo4(size);
        }
      }
      if (offset > data.length) throw new RangeError(`property 0x${id.toString(16)} runs past the end`);
      properties.push({ type, id, values });
    }
  } catch (error) {
    problems.push(`TNEF property list is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return properties;
}

function findString(properties: MapiProperty[], id: number, codepage: number): string | null {
  const property = properties.find((item) => item.id === id);
  const value = property?.values[0];
  if (property === undefined || value === undefined) return null;

  const baseType = property.type & ~MULTI_VALUE;
  if (baseType === PT_UNICODE) return stripNul(value.toString('utf16le'));
  if (baseType === PT_STRING8) return decodeString8(value, codepage);
  return null;
}

function findBinary(properties: MapiProperty[], id: number): Buffer | null {
  const property = properties.find((item) => item.id === id);
  const baseType = property === undefined ? -1 : property.type & ~MULTI_VALUE;
  if (baseType !== PT_BINARY) return null;
  return property?.values[0] ?? null;
}

/** Decodes an 8-bit string in the Windows codepage with that number, or in 1252 when iconv-lite lacks it. */
function decodeString8(value: Buffer, codepage: number): string {
  if (codepage === 65001) return stripNul(value.toString('utf8'));
  const name = `cp${codepage}`;
  const charset = iconv.encodingExists(name) ? name : 'cp1252';
  return stripNul(iconv.decode(value, charset));
}

function stripNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

function padTo4(length: number): number {
  return Math.ceil(length / 4) * 4;
}
