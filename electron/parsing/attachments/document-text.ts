// Extracts text from documents held in memory: PDF (pdfjs-dist), DOCX (mammoth), XLSX, PPTX and OpenDocument
// (their XML parts, read with yauzl), RTF (own reader), HTML (html-to-text) and charset-aware plain text and CSV.
import { createRequire } from 'node:module';

import mammoth from 'mammoth';

import { MAX_ARCHIVE_MEMBERS, MAX_ARCHIVE_MEMBER_OCTETS, MAX_ARCHIVE_TOTAL_OCTETS, MAX_HTML_CHARS, MAX_PDF_PAGES } from './attachment-limits.js';
import { extractRtfText } from './rtf-text.js';
import { decodeText, sniffHtmlCharset } from './text-decoding.js';
import { TextCollector, collectXmlText, readXmlAttribute, scanXml, type ElementTextRules } from './xml-text.js';
import { findZipEntry, listZipEntries, memberLimitProblem, readZipEntry, type ZipListing } from './zip-reader.js';

// html-to-text 10 ships no type declarations; it is the converter mailparser 3.14 itself uses.
const requireCjs = createRequire(import.meta.url);
const { convert: convertHtml } = requireCjs('html-to-text') as { convert(html: string, options?: Record<string, unknown>): string };

export interface ExtractedText {
  text: string;
  /** True when text was cut at the character limit. */
  truncated: boolean;
  /** Limits that stopped part of the extraction, as sentences for 'limit-reached' flags. */
  limitProblems: string[];
}

/** Thrown when a document is encrypted with a password, so its text cannot be read. */
export class EncryptedDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptedDocumentError';
  }
}

/** Thrown when a document exceeds an archive limit, so its text was not read; the message names the limit. */
export class DocumentLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentLimitError';
  }
}

/** Document types with a text extractor, by detected extension. */
export const TEXT_EXTRACTORS = new Set(['pdf', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'html', 'csv', 'txt', 'xml', 'json']);

/** Octets that ZIP-based documents may still decompress; shared by all documents of one attachment. */
export interface OctetAllowance {
  remaining: number;
}

/**
 * Extracts the text of a document of the given detected type (a key of TEXT_EXTRACTORS). Throws
 * EncryptedDocumentError for a password-protected PDF, DocumentLimitError when a limit stops it, and an Error
 * naming the fault for unreadable input.
 */
export async function extractDocumentText(
  data: Buffer,
  type: string,
  declaredCharset: string | null,
  maxChars: number,
  allowance: OctetAllowance,
): Promise<ExtractedText> {
  switch (type) {
    case 'pdf':
      return extractPdfText(data, maxChars);
    case 'docx':
      return extractDocxText(data, maxChars, allowance);
    case 'xlsx':
    case 'pptx':
    case 'odt':
    case 'ods':
    case 'odp':
      return extractZipXmlText(data, type, maxChars, allowance);
    case 'rtf': {
      const { text, truncated } = extractRtfText(data, maxChars);
      return { text, truncated, limitProblems: [] };
    }
    case 'html':
      return extractHtmlText(data, declaredCharset, maxChars);
    default:
      return bounded(decodeText(data, declaredCharset).text, maxChars, []);
  }
}

function bounded(text: string, maxChars: number, limitProblems: string[]): ExtractedText {
  if (text.length <= maxChars) return { text, truncated: false, limitProblems };
  return { text: text.slice(0, maxChars), truncated: true, limitProblems };
}

// ---------------------------------------------------------------------------------------------------------------
// PDF

interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
}

/**
 * Extracts PDF text with the pdfjs-dist legacy build in this thread (pdfjs's "fake worker"): no eval, no font
 * faces, no system fonts, and no URL for fonts, CMaps or WASM decoders, so nothing is loaded from disk or network.
 * NOTE: pages and characters are bounded but parsing time is not. A caller that must stay responsive runs this
 * in a worker thread it can terminate.
 */
async function extractPdfText(data: Buffer, maxChars: number): Promise<ExtractedText> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({
    // pdfjs takes ownership of the array it is given, so it gets a copy.
    data: new Uint8Array(data),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    stopAtErrors: false,
    verbosity: 0,
  });

  let document;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    if (error instanceof Error && error.name === 'PasswordException') {
      throw new EncryptedDocumentError('The PDF is encrypted with a password, so its text cannot be read');
    }
    throw error;
  }

  try {
    const collector = new TextCollector(maxChars);
    const limitProblems: string[] = [];
    const pageCount = Math.min(document.numPages, MAX_PDF_PAGES);
    if (document.numPages > MAX_PDF_PAGES) {
      limitProblems.push(`Only the first ${MAX_PDF_PAGES} of ${document.numPages} PDF pages were read (MAX_PDF_PAGES).`);
    }

    for (let pageNumber = 1; pageNumber <= pageCount && !collector.truncated; pageNumber += 1) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      collector.separate('\n\n');
      for (const item of content.items as PdfTextItem[]) {
        collector.add(item.str ?? '');
        if (item.hasEOL) collector.separate('\n');
      }
      page.cleanup();
    }
    return { text: collector.toString(), truncated: collector.truncated, limitProblems };
  } finally {
    await document.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ZIP-based documents

/**
 * Lists a ZIP-based document and checks every member against the archive limits before any library reads it.
 * Reading each member through yauzl proves the declared sizes true, because yauzl rejects a member whose real
 * size differs from its declared one. A library that trusts those sizes then stays within the limits.
 */
async function openCheckedDocumentZip(data: Buffer, allowance: OctetAllowance): Promise<ZipListing> {
  const listing = await listZipEntries(data, MAX_ARCHIVE_MEMBERS);
  if (listing.declaredCount > listing.entries.length) {
    throw new DocumentLimitError(`The document has ${listing.declaredCount} ZIP members, more than the ${MAX_ARCHIVE_MEMBERS} read (MAX_ARCHIVE_MEMBERS)`);
  }

  for (const info of listing.entries) {
    if (info.isDirectory) continue;
    if (info.encryption !== null) throw new Error(`The document's ZIP member ${info.name} is encrypted`);
    const problem = memberLimitProblem(info);
    if (problem !== null) throw new DocumentLimitError(`The document's ZIP member ${info.name} was not read because ${problem}`);
    if (info.uncompressedSize > allowance.remaining) {
      throw new DocumentLimitError(`The document was not read because the attachment's content decompresses to more than ${MAX_ARCHIVE_TOTAL_OCTETS} octets (MAX_ARCHIVE_TOTAL_OCTETS)`);
    }
    allowance.remaining -= info.uncompressedSize;
    await readZipEntry(listing, info, MAX_ARCHIVE_MEMBER_OCTETS);
  }
  return listing;
}

async function extractDocxText(data: Buffer, maxChars: number, allowance: OctetAllowance): Promise<ExtractedText> {
  await openCheckedDocumentZip(data, allowance);
  const result = await mammoth.extractRawText({ buffer: data });
  return bounded(result.value, maxChars, []);
}

async function readXmlPart(listing: ZipListing, name: string): Promise<string | null> {
  const info = findZipEntry(listing, name);
  if (!info) return null;
  return (await readZipEntry(listing, info, MAX_ARCHIVE_MEMBER_OCTETS)).toString('utf8');
}

/** Reads a relationships part into a map of relationship id to target path, resolved against the base folder. */
async function readRelationships(listing: ZipListing, relsName: string, baseFolder: string): Promise<Map<string, string>> {
  const relations = new Map<string, string>();
  const xml = await readXmlPart(listing, relsName);
  if (xml === null) return relations;
  scanXml(xml, {
    open(name, rawAttributes) {
      if (name !== 'Relationship') return;
      const id = readXmlAttribute(rawAttributes, 'Id');
      const target = readXmlAttribute(rawAttributes, 'Target');
      if (id !== null && target !== null) relations.set(id, target.startsWith('/') ? target.slice(1) : `${baseFolder}${target}`);
    },
  });
  return relations;
}

/**
 * Returns the parts listed in a main part's order (sheets of a workbook, slides of a presentation), or, when the
 * order cannot be read, the parts matching the pattern in numeric order.
 */
async function orderedParts(listing: ZipListing, main: string, element: string, relsName: string, baseFolder: string, pattern: RegExp): Promise<string[]> {
  const relations = await readRelationships(listing, relsName, baseFolder);
  const xml = await readXmlPart(listing, main);
  const ordered: string[] = [];
  if (xml !== null) {
    scanXml(xml, {
      open(name, rawAttributes) {
        if (name !== element) return;
        const id = readXmlAttribute(rawAttributes, 'r:id');
        const target = id === null ? undefined : relations.get(id);
        if (target !== undefined && findZipEntry(listing, target)) ordered.push(target);
      },
    });
  }
  if (ordered.length > 0) return ordered;

  const number = (name: string): number => Number(pattern.exec(name)?.[1] ?? 0);
  return listing.entries
    .map((entry) => entry.name)
    .filter((name) => pattern.test(name))
    .sort((a, b) => number(a) - number(b));
}

async function extractZipXmlText(data: Buffer, type: string, maxChars: number, allowance: OctetAllowance): Promise<ExtractedText> {
  const listing = await openCheckedDocumentZip(data, allowance);
  const collector = new TextCollector(maxChars);

  if (type === 'xlsx') await collectWorkbookText(listing, collector);
  else if (type === 'pptx') await collectPresentationText(listing, collector);
  else {
    const xml = await readXmlPart(listing, 'content.xml');
    if (xml === null) throw new Error('The OpenDocument file has no content.xml');
    collectXmlText(xml, type === 'ods' ? ODS_RULES : ODF_TEXT_RULES, collector);
  }
  return { text: collector.toString(), truncated: collector.truncated, limitProblems: [] };
}

/** Column gaps wider than this are written as one tab, so a lone cell at column XFD cannot write 16,000 tabs. */
const MAX_COLUMN_GAP = 100;

function columnIndex(reference: string | null): number | null {
  const letters = reference === null ? null : /^([A-Z]{1,3})/.exec(reference)?.[1];
  if (!letters) return null;
  let index = 0;
  for (const letter of letters) index = index * 26 + (letter.charCodeAt(0) - 64);
  return index - 1;
}

/**
 * Collects workbook text: one line per row, cells separated by tabs at their columns, sheets by a blank line.
 * NOTE: numbers and dates are written as stored (a date is its serial number), not with the cell's number format.
 */
async function collectWorkbookText(listing: ZipListing, collector: TextCollector): Promise<void> {
  const sharedStrings: string[] = [];
  const sharedXml = await readXmlPart(listing, 'xl/sharedStrings.xml');
  if (sharedXml !== null) {
    let current: string[] | null = null;
    let textDepth = 0;
    let phoneticDepth = 0;
    scanXml(sharedXml, {
      open(name) {
        if (name === 'si') current = [];
        else if (name === 't') textDepth += 1;
        else if (name === 'rPh') phoneticDepth += 1;
      },
      close(name) {
        if (name === 'si' && current !== null) {
          sharedStrings.push(current.join(''));
          current = null;
        } else if (name === 't') textDepth = Math.max(0, textDepth - 1);
        else if (name === 'rPh') phoneticDepth = Math.max(0, phoneticDepth - 1);
      },
      text(text) {
        // Phonetic runs (furigana) repeat the cell's reading, not its text.
        if (current !== null && textDepth > 0 && phoneticDepth === 0) current.push(text);
      },
    });
  }

  const sheets = await orderedParts(listing, 'xl/workbook.xml', 'sheet', 'xl/_rels/workbook.xml.rels', 'xl/', /^xl\/worksheets\/sheet(\d+)\.xml$/);
  for (const sheet of sheets) {
    const xml = await readXmlPart(listing, sheet);
    if (xml === null) continue;
    collector.separate('\n\n');
    collectSheetText(xml, sharedStrings, collector);
  }
}

function collectSheetText(xml: string, sharedStrings: string[], collector: TextCollector): void {
  let row: string[] = [];
  let cellType: string | null = null;
  let cellColumn = 0;
  let value: string[] | null = null;
  let valueDepth = 0;

  scanXml(xml, {
    open(name, rawAttributes) {
      if (name === 'row') row = [];
      else if (name === 'c') {
        cellType = readXmlAttribute(rawAttributes, 't');
        cellColumn = columnIndex(readXmlAttribute(rawAttributes, 'r')) ?? row.length;
        value = [];
      } else if (name === 'v' || name === 't') valueDepth += 1;
    },
    close(name) {
      if (name === 'v' || name === 't') valueDepth = Math.max(0, valueDepth - 1);
      else if (name === 'c' && value !== null) {
        const raw = value.join('');
        let text = raw;
        if (cellType === 's') text = sharedStrings[Number(raw)] ?? '';
        else if (cellType === 'b') text = raw === '1' ? 'TRUE' : 'FALSE';
        if (text !== '') {
          while (row.length < Math.min(cellColumn, row.length + MAX_COLUMN_GAP)) row.push('');
          row.push(text);
        }
        value = null;
      } else if (name === 'row') {
        if (row.length > 0) {
          collector.separate('\n');
          collector.add(row.join('\t'));
        }
        row = [];
      }
    },
    text(text) {
      if (value !== null && valueDepth > 0) value.push(text);
    },
  });
}

const PPTX_RULES: ElementTextRules = {
  textElements: new Set(['a:t']),
  separatorAfter: new Map([['a:p', '\n']]),
  inlineText: (name) => (name === 'a:br' ? '\n' : null),
};

/** Collects slide text: paragraphs as lines, slides separated by a blank line. Speaker notes are not read. */
async function collectPresentationText(listing: ZipListing, collector: TextCollector): Promise<void> {
  const slides = await orderedParts(listing, 'ppt/presentation.xml', 'p:sldId', 'ppt/_rels/presentation.xml.rels', 'ppt/', /^ppt\/slides\/slide(\d+)\.xml$/);
  for (const slide of slides) {
    const xml = await readXmlPart(listing, slide);
    if (xml === null) continue;
    collector.separate('\n\n');
    collectXmlText(xml, PPTX_RULES, collector);
  }
}

function odfInlineText(name: string, rawAttributes: string): string | null {
  if (name === 'text:tab') return '\t';
  if (name === 'text:line-break') return '\n';
  if (name === 'text:s') {
    // text:s stands for c spaces (ODF 1.2 part 1, 6.1.3); the count is capped like a column gap.
    const count = Number(readXmlAttribute(rawAttributes, 'text:c') ?? '1');
    return ' '.repeat(Number.isInteger(count) && count > 0 ? Math.min(count, MAX_COLUMN_GAP) : 1);
  }
  return null;
}

const ODF_TEXT_RULES: ElementTextRules = {
  textElements: new Set(['text:p', 'text:h']),
  separatorAfter: new Map([
    ['text:p', '\n'],
    ['text:h', '\n'],
    ['table:table-cell', '\t'],
    ['table:table-row', '\n'],
    ['draw:page', '\n\n'],
  ]),
  inlineText: odfInlineText,
};

/** Spreadsheet cells: a paragraph inside a cell is only a space, so each row stays on one line. */
const ODS_RULES: ElementTextRules = {
  textElements: new Set(['text:p', 'text:h']),
  separatorAfter: new Map([
    ['text:p', ' '],
    ['table:table-cell', '\t'],
    ['table:table-row', '\n'],
    ['table:table', '\n\n'],
  ]),
  inlineText: odfInlineText,
};

// ---------------------------------------------------------------------------------------------------------------
// HTML

function extractHtmlText(data: Buffer, declaredCharset: string | null, maxChars: number): ExtractedText {
  const html = decodeText(data, declaredCharset ?? sniffHtmlCharset(data)).text;
  if (html.length > MAX_HTML_CHARS) {
    throw new Error(`The HTML is ${html.length} characters long, more than the ${MAX_HTML_CHARS} converted to text (MAX_HTML_CHARS)`);
  }
  // Links and images keep only their text, so no URL is fetched or even listed.
  const text = convertHtml(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });
  return bounded(text, maxChars, []);
}
