// Deterministic writers of small documents (PDF, Office, ODF, RTF, ZIP, PNG, PE) for the demo generator and the
// tests. The same input always gives the same bytes: timestamps are fixed and "random" values derive from a hash.
import { createCipheriv, createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { deflateRawSync, deflateSync } from 'node:zlib';

/** A file to place inside a ZIP archive. */
export interface ZipMemberInput {
  name: string;
  data: Buffer;
}

/** Modification time written into every archive member: 2024-01-02 03:04:06 as an MS-DOS date and time. */
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 2;
const DOS_TIME = (3 << 11) | (4 << 5) | (6 >> 1);

// ---------------------------------------------------------------------------------------------------------------
// ZIP

type ZipEncryption = { kind: 'none' } | { kind: 'zipcrypto'; password: string } | { kind: 'aes'; password: string };

interface ZipEntryRecord {
  nameBytes: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  extra: Buffer;
  offset: number;
}

const CRC_TABLE = makeCrcTable();

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function crc32Update(crc: number, byte: number): number {
  return ((CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)) >>> 0;
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = crc32Update(crc, byte);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Returns `length` bytes derived from the seed, standing in for random bytes so output stays deterministic. */
function deterministicBytes(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  for (let counter = 0; chunks.length * 32 < length; counter += 1) {
    chunks.push(createHash('sha256').update(`${seed}\0${counter}`).digest());
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/**
 * Encrypts with the traditional PKWARE stream cipher (APPNOTE.TXT section 6.1): three 32-bit keys updated by
 * CRC-32 and a linear congruence, a 12-byte header whose last byte is the CRC's high byte for password checks.
 */
function zipCryptoEncrypt(plain: Buffer, password: string, crc: number, seed: string): Buffer {
  const keys = [0x12345678, 0x23456789, 0x34567890];
  const updateKeys = (byte: number): void => {
    keys[0] = crc32Update(keys[0] ?? 0, byte);
    keys[1] = (Math.imul(((keys[1] ?? 0) + ((keys[0] ?? 0) & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    keys[2] = crc32Update(keys[2] ?? 0, (keys[1] ?? 0) >>> 24);
  };
  const streamByte = (): number => {
    const temp = ((keys[2] ?? 0) | 2) & 0xffff;
    return (Math.imul(temp, temp ^ 1) >>> 8) & 0xff;
  };
  for (const byte of Buffer.from(password, 'utf8')) updateKeys(byte);

  const header = deterministicBytes(`zipcrypto:${seed}`, 12);
  header[11] = crc >>> 24;
  const input = Buffer.concat([header, plain]);
  const output = Buffer.alloc(input.length);
  for (let i = 0; i < input.length; i += 1) {
    const byte = input[i] ?? 0;
    output[i] = byte ^ streamByte();
    updateKeys(byte);
  }
  return output;
}

/**
 * Encrypts with WinZip AE-2 (AES-256): PBKDF2-HMAC-SHA1 with 1000 rounds gives the AES key, the HMAC key and a
 * 2-byte password check. AES runs in CTR mode with a little-endian counter starting at 1, which node:crypto's
 * big-endian CTR mode cannot express, so the key stream is built from ECB-encrypted counter blocks.
 */
function aesEncrypt(plain: Buffer, password: string, seed: string): Buffer {
  const salt = deterministicBytes(`aes-salt:${seed}`, 16);
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 1000, 66, 'sha1');
  const aesKey = derived.subarray(0, 32);
  const hmacKey = derived.subarray(32, 64);
  const verifier = derived.subarray(64, 66);

  const blockCount = Math.ceil(plain.length / 16);
  const counters = Buffer.alloc(blockCount * 16);
  for (let block = 0; block < blockCount; block += 1) counters.writeUInt32LE(block + 1, block * 16);
  const ecb = createCipheriv('aes-256-ecb', aesKey, null);
  ecb.setAutoPadding(false);
  const keyStream = Buffer.concat([ecb.update(counters), ecb.final()]);

  const encrypted = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i += 1) encrypted[i] = (plain[i] ?? 0) ^ (keyStream[i] ?? 0);
  const authCode = createHmac('sha1', hmacKey).update(encrypted).digest().subarray(0, 10);
  return Buffer.concat([salt, verifier, encrypted, authCode]);
}

/** Writes a ZIP archive; members named "mimetype" are stored uncompressed, as ODF requires. */
function writeZip(members: ZipMemberInput[], encryption: ZipEncryption): Buffer {
  const chunks: Buffer[] = [];
  const records: ZipEntryRecord[] = [];
  let offset = 0;

  for (const member of members) {
    const nameBytes = Buffer.from(member.name, 'utf8');
    const crc = crc32(member.data);
    const isStored = member.name === 'mimetype' || member.data.length === 0;
    const compressed = isStored ? member.data : deflateRawSync(member.data, { level: 9 });
    const method = isStored ? 0 : 8;
    // Bit 11 marks the name as UTF-8.
    let flags = 0x0800;
    let payload = compressed;
    let storedMethod = method;
    let storedCrc = crc;
    let extra = Buffer.alloc(0);

    if (encryption.kind === 'zipcrypto') {
      flags |= 0x0001;
      payload = zipCryptoEncrypt(compressed, encryption.password, crc, member.name);
    } else if (encryption.kind === 'aes') {
      flags |= 0x0001;
      payload = aesEncrypt(compressed, encryption.password, member.name);
      storedMethod = 99;
      // AE-2 leaves the CRC at zero because the HMAC authenticates the data.
      storedCrc = 0;
      extra = Buffer.alloc(11);
      extra.writeUInt16LE(0x9901, 0);
      extra.writeUInt16LE(7, 2);
      extra.writeUInt16LE(2, 4);
      extra.write('AE', 6, 'latin1');
      extra.writeUInt8(3, 8);
      extra.writeUInt16LE(method, 9);
    }

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(encryption.kind === 'aes' ? 51 : 20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(storedMethod, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(storedCrc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(member.data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    chunks.push(local, nameBytes, extra, payload);

    records.push({ nameBytes, flags, method: storedMethod, crc: storedCrc, compressedSize: payload.length, uncompressedSize: member.data.length, extra, offset });
    offset += local.length + nameBytes.length + extra.length + payload.length;
  }

  const centralStart = offset;
  for (const record of records) {
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by version 2.0 on MS-DOS, so no Unix permission bits are implied.
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(record.method === 99 ? 51 : 20, 6);
    central.writeUInt16LE(record.flags, 8);
    central.writeUInt16LE(record.method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(record.crc, 16);
    central.writeUInt32LE(record.compressedSize, 20);
    central.writeUInt32LE(record.uncompressedSize, 24);
    central.writeUInt16LE(record.nameBytes.length, 28);
    central.writeUInt16LE(record.extra.length, 30);
    central.writeUInt32LE(record.offset, 42);
    chunks.push(central, record.nameBytes, record.extra);
    offset += central.length + record.nameBytes.length + record.extra.length;
  }

  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(records.length, 8);
  end.writeUInt16LE(records.length, 10);
  end.writeUInt32LE(offset - centralStart, 12);
  end.writeUInt32LE(centralStart, 16);
  chunks.push(end);
  return Buffer.concat(chunks);
}

/** Builds a ZIP archive of the members, deflated, with fixed timestamps. */
export async function buildZip(members: ZipMemberInput[]): Promise<Buffer> {
  await Promise.resolve();
  return writeZip(members, { kind: 'none' });
}

/** Builds a ZIP archive whose members are encrypted with traditional PKWARE encryption ("ZipCrypto"). */
export async function buildZipCrypto(members: ZipMemberInput[], password: string): Promise<Buffer> {
  await Promise.resolve();
  return writeZip(members, { kind: 'zipcrypto', password });
}

/** Builds a ZIP archive whose members are encrypted with WinZip AE-2, AES-256. */
export async function buildAesZip(members: ZipMemberInput[], password: string): Promise<Buffer> {
  await Promise.resolve();
  return writeZip(members, { kind: 'aes', password });
}

// ---------------------------------------------------------------------------------------------------------------
// XML-based documents

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function xmlMember(name: string, xml: string): ZipMemberInput {
  return { name, data: Buffer.from(XML_DECLARATION + xml, 'utf8') };
}

function contentTypesXml(overrides: Record<string, string>): string {
  const parts = Object.entries(overrides)
    .map(([partName, type]) => `<Override PartName="${partName}" ContentType="${type}"/>`)
    .join('');
  return (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    parts +
    '</Types>'
  );
}

function relationshipsXml(relations: { id: string; type: string; target: string }[]): string {
  const body = relations.map((r) => `<Relationship Id="${r.id}" Type="${r.type}" Target="${r.target}"/>`).join('');
  return `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${body}</Relationships>`;
}

const OFFICE_DOCUMENT_RELATION = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

/** Builds a Word document (DOCX) with one paragraph per entry. */
export async function buildDocx(paragraphs: string[]): Promise<Buffer> {
  const body = paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`).join('');
  return buildZip([
    xmlMember('[Content_Types].xml', contentTypesXml({ '/word/document.xml': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml' })),
    xmlMember('_rels/.rels', relationshipsXml([{ id: 'rId1', type: OFFICE_DOCUMENT_RELATION, target: 'word/document.xml' }])),
    xmlMember('word/document.xml', `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`),
  ]);
}

/** Builds an Excel workbook (XLSX) with one sheet; every cell is a shared string. */
export async function buildXlsx(rows: string[][]): Promise<Buffer> {
  const strings: string[] = [];
  const rowXml = rows
    .map((cells, rowIndex) => {
      const cellXml = cells
        .map((text, columnIndex) => {
          strings.push(text);
          return `<c r="${columnName(columnIndex)}${rowIndex + 1}" t="s"><v>${strings.length - 1}</v></c>`;
        })
        .join('');
      return `<row r="${rowIndex + 1}">${cellXml}</row>`;
    })
    .join('');
  const sharedStrings = strings.map((text) => `<si><t xml:space="preserve">${escapeXml(text)}</t></si>`).join('');
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const relationNs = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

  return buildZip([
    xmlMember(
      '[Content_Types].xml',
      contentTypesXml({
        '/xl/workbook.xml': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
        '/xl/worksheets/sheet1.xml': 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml',
        '/xl/sharedStrings.xml': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml',
      }),
    ),
    xmlMember('_rels/.rels', relationshipsXml([{ id: 'rId1', type: OFFICE_DOCUMENT_RELATION, target: 'xl/workbook.xml' }])),
    xmlMember('xl/workbook.xml', `<workbook xmlns="${main}" xmlns:r="${relationNs}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    xmlMember(
      'xl/_rels/workbook.xml.rels',
      relationshipsXml([
        { id: 'rId1', type: `${relationNs}/worksheet`, target: 'worksheets/sheet1.xml' },
        { id: 'rId2', type: `${relationNs}/sharedStrings`, target: 'sharedStrings.xml' },
      ]),
    ),
    xmlMember('xl/worksheets/sheet1.xml', `<worksheet xmlns="${main}"><sheetData>${rowXml}</sheetData></worksheet>`),
    xmlMember('xl/sharedStrings.xml', `<sst xmlns="${main}" count="${strings.length}" uniqueCount="${strings.length}">${sharedStrings}</sst>`),
  ]);
}

function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Builds a PowerPoint presentation (PPTX) with one text box per slide. */
export async function buildPptx(slides: string[]): Promise<Buffer> {
  const presentationNs = 'http://schemas.openxmlformats.org/presentationml/2006/main';
  const drawingNs = 'http://schemas.openxmlformats.org/drawingml/2006/main';
  const relationNs = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const overrides: Record<string, string> = { '/ppt/presentation.xml': 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml' };
  const slideMembers: ZipMemberInput[] = [];
  const slideList: string[] = [];
  const slideRelations: { id: string; type: string; target: string }[] = [];

  slides.forEach((text, index) => {
    const number = index + 1;
    overrides[`/ppt/slides/slide${number}.xml`] = 'application/vnd.openxmlformats-officedocument.presentationml.slide+xml';
    slideList.push(`<p:sldId id="${255 + number}" r:id="rId${number}"/>`);
    slideRelations.push({ id: `rId${number}`, type: `${relationNs}/slide`, target: `slides/slide${number}.xml` });
    slideMembers.push(
      xmlMember(
        `ppt/slides/slide${number}.xml`,
        `<p:sld xmlns:p="${presentationNs}" xmlns:a="${drawingNs}"><p:cSld><p:spTree><p:sp><p:txBody><a:bodyPr/>` +
          `<a:p><a:r><a:t>${escapeXml(text)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
      ),
    );
  });

  return buildZip([
    xmlMember('[Content_Types].xml', contentTypesXml(overrides)),
    xmlMember('_rels/.rels', relationshipsXml([{ id: 'rId1', type: OFFICE_DOCUMENT_RELATION, target: 'ppt/presentation.xml' }])),
    xmlMember('ppt/presentation.xml', `<p:presentation xmlns:p="${presentationNs}" xmlns:r="${relationNs}"><p:sldIdLst>${slideList.join('')}</p:sldIdLst></p:presentation>`),
    xmlMember('ppt/_rels/presentation.xml.rels', relationshipsXml(slideRelations)),
    ...slideMembers,
  ]);
}

/** Builds an OpenDocument text (ODT) with one paragraph per entry. */
export async function buildOdt(paragraphs: string[]): Promise<Buffer> {
  const mimeType = 'application/vnd.oasis.opendocument.text';
  const body = paragraphs.map((text) => `<text:p>${escapeXml(text)}</text:p>`).join('');
  return buildZip([
    { name: 'mimetype', data: Buffer.from(mimeType, 'ascii') },
    xmlMember(
      'META-INF/manifest.xml',
      '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">' +
        `<manifest:file-entry manifest:full-path="/" manifest:media-type="${mimeType}"/>` +
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
    ),
    xmlMember(
      'content.xml',
      '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">' +
        `<office:body><office:text>${body}</office:text></office:body></office:document-content>`,
    ),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// RTF

/** Builds an RTF document; characters outside ASCII are written as \uN escapes with a "?" fallback. */
export async function buildRtf(paragraphs: string[]): Promise<Buffer> {
  await Promise.resolve();
  const body = paragraphs.map((text) => `${escapeRtf(text)}\\par\n`).join('');
  return Buffer.from(`{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Helvetica;}}\n\\f0\\fs24\n${body}}`, 'ascii');
}

function escapeRtf(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\' || char === '{' || char === '}') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code > 0xffff) {
      // RTF \u takes a signed 16-bit UTF-16 code unit, so astral characters are written as a surrogate pair.
      for (const unit of [char.charCodeAt(0), char.charCodeAt(1)]) out += `\\u${unit - 0x10000}?`;
    } else out += `\\u${code > 0x7fff ? code - 0x10000 : code}?`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// PDF

/** RC4, written out because OpenSSL 3 only offers it through the legacy provider. */
function rc4(key: Buffer, data: Buffer): Buffer {
  const state = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i += 1) {
    j = (j + (state[i] ?? 0) + (key[i % key.length] ?? 0)) & 0xff;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
  }
  const output = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let n = 0; n < data.length; n += 1) {
    i = (i + 1) & 0xff;
    j = (j + (state[i] ?? 0)) & 0xff;
    [state[i], state[j]] = [state[j] ?? 0, state[i] ?? 0];
    output[n] = (data[n] ?? 0) ^ (state[((state[i] ?? 0) + (state[j] ?? 0)) & 0xff] ?? 0);
  }
  return output;
}

/** The 32-byte padding string of the PDF Standard security handler (ISO 32000-1, 7.6.3.3, Algorithm 2). */
const PDF_PASSWORD_PADDING = Buffer.from('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A', 'hex');

function padPassword(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'latin1'), PDF_PASSWORD_PADDING]).subarray(0, 32);
}

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

interface PdfEncryption {
  /** 5-byte file key of revision 2, 40-bit RC4. */
  fileKey: Buffer;
  owner: Buffer;
  user: Buffer;
  permissions: number;
}

/**
 * Computes the Standard security handler values of revision 2 (ISO 32000-1, 7.6.3.3, Algorithms 2, 3 and 4).
 * The owner password equals the user password, since the demo only needs a document that requires one.
 */
function pdfEncryption(userPassword: string, fileId: Buffer): PdfEncryption {
  // Every permission bit granted; bits 1 and 2 and 7 and 8 must be 0 and the rest 1 for revision 2.
  const permissions = -4;
  const ownerKey = md5(padPassword(userPassword)).subarray(0, 5);
  const owner = rc4(ownerKey, padPassword(userPassword));
  const permissionBytes = Buffer.alloc(4);
  permissionBytes.writeInt32LE(permissions, 0);
  const fileKey = md5(padPassword(userPassword), owner, permissionBytes, fileId).subarray(0, 5);
  const user = rc4(fileKey, PDF_PASSWORD_PADDING);
  return { fileKey, owner, user, permissions };
}

function objectKey(fileKey: Buffer, objectNumber: number): Buffer {
  const suffix = Buffer.from([objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, 0, 0]);
  return md5(fileKey, suffix).subarray(0, Math.min(fileKey.length + 5, 16));
}

/** Encodes a line in WinAnsiEncoding as a PDF literal string body; characters outside it become "?". */
function pdfStringBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0x3f;
    bytes.push(code >= 0x20 && code <= 0xff && !(code >= 0x7f && code < 0xa0) ? code : 0x3f);
  }
  return Buffer.from(bytes);
}

function pdfLiteral(bytes: Buffer): string {
  let out = '(';
  for (const byte of bytes) {
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out + ')';
}

const PDF_LINES_PER_PAGE = 48;

/** Writes a PDF with Helvetica text, one line per entry, 48 lines a page; encrypted when a password is given. */
function writePdf(lines: string[], userPassword: string | null): Buffer {
  const fileId = md5(Buffer.from(JSON.stringify(lines), 'utf8'));
  const encryption = userPassword === null ? null : pdfEncryption(userPassword, fileId);
  const pages: string[][] = [];
  for (let i = 0; i < Math.max(lines.length, 1); i += PDF_LINES_PER_PAGE) pages.push(lines.slice(i, i + PDF_LINES_PER_PAGE));

  // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page, then the encryption dictionary.
  const objects: Buffer[] = [];
  const pageNumbers = pages.map((_, index) => 4 + index * 2);
  objects.push(Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'));
  objects.push(Buffer.from(`<< /Type /Pages /Kids [${pageNumbers.map((n) => `${n} 0 R`).join(' ')}] /Count ${pages.length} >>`));
  objects.push(Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'));

  pages.forEach((pageLines, index) => {
    const pageNumber = 4 + index * 2;
    const contentNumber = pageNumber + 1;
    const operations = pageLines.map((line, lineIndex) => `${lineIndex === 0 ? '72 760 Td' : '0 -15 Td'} ${pdfLiteral(pdfStringBytes(line))} Tj`);
    // Strings inside a content stream are not encrypted on their own: the whole stream is.
    let content: Buffer = Buffer.from(`BT\n/F1 12 Tf\n${operations.join('\n')}\nET\n`, 'latin1');
    if (encryption) content = rc4(objectKey(encryption.fileKey, contentNumber), content);
    objects.push(Buffer.from(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNumber} 0 R >>`));
    objects.push(Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]));
  });

  let encryptNumber: number | null = null;
  if (encryption) {
    encryptNumber = objects.length + 1;
    objects.push(
      Buffer.from(
        `<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${encryption.owner.toString('hex')}> /U <${encryption.user.toString('hex')}> /P ${encryption.permissions} >>`,
      ),
    );
  }

  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(offset);
    const chunk = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    chunks.push(chunk);
    offset += chunk.length;
  });

  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const id = fileId.toString('hex');
  const encryptEntry = encryptNumber === null ? '' : ` /Encrypt ${encryptNumber} 0 R`;
  chunks.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${encryptEntry} /ID [<${id}> <${id}>] >>\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(chunks);
}

/** Builds a PDF showing one line of Helvetica text per entry (WinAnsiEncoding; other characters become "?"). */
export async function buildPdf(lines: string[]): Promise<Buffer> {
  await Promise.resolve();
  return writePdf(lines, null);
}

/** Builds a PDF encrypted with 40-bit RC4 (Standard security handler, revision 2) that opens only with the password. */
export async function buildEncryptedPdf(lines: string[], userPassword: string): Promise<Buffer> {
  await Promise.resolve();
  return writePdf(lines, userPassword);
}

// ---------------------------------------------------------------------------------------------------------------
// PNG and PE

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}

/** Builds an 8-bit RGB PNG of the given size filled with a fixed gradient. */
export async function buildPng(width: number, height: number): Promise<Buffer> {
  await Promise.resolve();
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8);
  header.writeUInt8(2, 9);

  const rowLength = 1 + width * 3;
  const pixels = Buffer.alloc(rowLength * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = y * rowLength + 1 + x * 3;
      pixels[at] = (x * 255) / Math.max(width - 1, 1);
      pixels[at + 1] = (y * 255) / Math.max(height - 1, 1);
      pixels[at + 2] = 128;
    }
  }

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(pixels, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Builds a minimal 32-bit Windows console executable (PE32, i386) whose entry point returns at once. It is test
 * data for type detection and is never run.
 */
export async function buildExe(): Promise<Buffer> {
  await Promise.resolve();
  const fileAlignment = 0x200;
  const sectionAlignment = 0x1000;
  const image = Buffer.alloc(fileAlignment * 2);

  // MS-DOS header: "MZ" and, at 0x3C, the offset of the PE signature.
  image.write('MZ', 0, 'ascii');
  image.writeUInt32LE(0x40, 0x3c);
  image.write('PE\0\0', 0x40, 'latin1');

  // COFF file header.
  const coff = 0x44;
  image.writeUInt16LE(0x014c, coff);
  image.writeUInt16LE(1, coff + 2);
  image.writeUInt32LE(0, coff + 4);
  image.writeUInt16LE(0xe0, coff + 16);
  image.writeUInt16LE(0x0102, coff + 18);

  // PE32 optional header.
  const optional = coff + 20;
  image.writeUInt16LE(0x010b, optional);
  image.writeUInt32LE(fileAlignment, optional + 4);
  image.writeUInt32LE(sectionAlignment, optional + 16);
  image.writeUInt32LE(sectionAlignment, optional + 20);
  image.writeUInt32LE(0x400000, optional + 28);
  image.writeUInt32LE(sectionAlignment, optional + 32);
  image.writeUInt32LE(fileAlignment, optional + 36);
  image.writeUInt16LE(4, optional + 40);
  image.writeUInt16LE(4, optional + 48);
  image.writeUInt32LE(sectionAlignment * 2, optional + 56);
  image.writeUInt32LE(fileAlignment, optional + 60);
  image.writeUInt16LE(3, optional + 68);
  image.writeUInt32LE(0x100000, optional + 72);
  image.writeUInt32LE(0x1000, optional + 76);
  image.writeUInt32LE(0x100000, optional + 80);
  image.writeUInt32LE(0x1000, optional + 84);
  image.writeUInt32LE(16, optional + 92);

  // One section, .text, holding a single RET instruction.
  const section = optional + 0xe0;
  image.write('.text', section, 'ascii');
  image.writeUInt32LE(1, section + 8);
  image.writeUInt32LE(sectionAlignment, section + 12);
  image.writeUInt32LE(fileAlignment, section + 16);
  image.writeUInt32LE(fileAlignment, section + 20);
  image.writeUInt32LE(0x60000020, section + 36);
  image[fileAlignment] = 0xc3;
  return image;
}
