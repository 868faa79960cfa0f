// Finds an attachment's true file type from its bytes and compares it with the filename extension and the
// declared Content-Type: the attachment truth table.
import { fileTypeFromBuffer } from 'file-type';

import type { AttachmentTruth, DetectedType } from '../../../shared/types.js';
import { compoundFileKind, readCompoundFile } from './encryption-checks.js';
import { decodeText, hasByteOrderMark, looksLikeText } from './text-decoding.js';
import { listZipEntries, readZipEntry } from './zip-reader.js';

/** Members of a ZIP inspected when telling Office and OpenDocument files from plain ZIP archives. */
const ZIP_SNIFF_ENTRIES = 2_000;

const OOXML_MAIN_PARTS: [string, DetectedType][] = [
  ['word/document.xml', { ext: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }],
  ['xl/workbook.xml', { ext: 'xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }],
  ['ppt/presentation.xml', { ext: 'pptx', mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation' }],
];

const ODF_TYPES: Record<string, string> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/vnd.oasis.opendocument.graphics': 'odg',
};

/** Detected types whose content is text of some kind; they are compatible with each other. */
const TEXT_TYPES = new Set(['txt', 'csv', 'html', 'xml', 'json', 'svg']);

const CFB_MIME = 'application/x-cfb';

/**
 * Detects the true type of the bytes: file-type 21 for magic numbers, then own checks for what it cannot tell.
 * OOXML and ODF parts tell those from a plain ZIP, the streams of an OLE2 compound file tell Word, Excel,
 * PowerPoint and Outlook apart, and text is split into HTML, CSV and plain text. Returns null for unknown bytes.
 */
export async function detectTrueType(data: Buffer): Promise<DetectedType | null> {
  // file-type reads a UTF-16 byte order mark (FF FE) as an MPEG audio frame sync, so marked text is checked first.
  if (hasByteOrderMark(data) && looksLikeText(data)) return detectTextType(data);

  let detected: DetectedType | null;
  try {
    const result = await fileTypeFromBuffer(data);
    detected = result ? { ext: result.ext, mime: result.mime } : null;
  } catch {
    // file-type throws on some truncated containers; the own checks below still run.
    detected = null;
  }

  if (detected?.ext === 'zip') return (await sniffZipDocument(data)) ?? detected;
  if (detected?.ext === 'cfb') {
    const file = readCompoundFile(data);
    const kind = file ? compoundFileKind(file) : null;
    return kind ? { ext: kind, mime: CFB_KIND_MIME[kind] ?? CFB_MIME } : { ext: 'cfb', mime: CFB_MIME };
  }
  if (detected) return detected;

  return detectTextType(data);
}

const CFB_KIND_MIME: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  msg: 'application/vnd.ms-outlook',
};

async function sniffZipDocument(data: Buffer): Promise<DetectedType | null> {
  try {
    const listing = await listZipEntries(data, ZIP_SNIFF_ENTRIES);
    const names = new Set(listing.entries.map((entry) => entry.name));
    if (names.has('[Content_Types].xml')) {
      for (const [part, type] of OOXML_MAIN_PARTS) if (names.has(part)) return type;
    }
    const mimetype = listing.entries.find((entry) => entry.name === 'mimetype');
    if (mimetype && mimetype.uncompressedSize < 200 && mimetype.encryption === null) {
      const mime = (await readZipEntry(listing, mimetype, 200)).toString('ascii').trim();
      const ext = ODF_TYPES[mime];
      if (ext) return { ext, mime };
    }
  } catch {
    // An unreadable central directory leaves the file-type result ("zip") in place.
  }
  return null;
}

function detectTextType(data: Buffer): DetectedType | null {
  if (!looksLikeText(data)) return null;
  const head = decodeText(data.subarray(0, 4096), null).text;
  const trimmed = head.replace(/^(\uFEFF|\s)+/, '').toLowerCase();

  if (trimmed.startsWith('{\\rtf')) return { ext: 'rtf', mime: 'application/rtf' };
  if (/^<!doctype\s+html/.test(trimmed) || /^<(html|head|body)[\s>]/.test(trimmed) || /<html[\s>]/.test(trimmed.slice(0, 1024))) {
    return { ext: 'html', mime: 'text/html' };
  }
  if (looksLikeCsv(head)) return { ext: 'csv', mime: 'text/csv' };
  return { ext: 'txt', mime: 'text/plain' };
}

/** Tells whether text has at least two lines that all hold the same number (one or more) of one delimiter. */
function looksLikeCsv(head: string): boolean {
  const lines = head.split(/\r?\n/).slice(0, 20);
  // The last line of the sample may be cut off mid-way.
  if (lines.length > 2) lines.pop();
  const filled = lines.filter((line) => line.trim() !== '');
  if (filled.length < 2) return false;
  return [',', ';', '\t'].some((delimiter) => {
    const counts = filled.map((line) => line.replace(/"[^"]*"/g, '').split(delimiter).length - 1);
    return (counts[0] ?? 0) > 0 && counts.every((count) => count === counts[0]);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Truth table

/** Extensions a detected type may carry without counting as a mismatch, beyond its own. */
const COMPATIBLE_EXTENSIONS: Record<string, string[]> = {
  jpg: ['jpeg', 'jpe', 'jfif'],
  tif: ['tiff'],
  html: ['htm', 'xhtml', 'shtml'],
  docx: ['docm', 'dotx', 'dotm'],
  xlsx: ['xlsm', 'xltx', 'xltm', 'xlam'],
  pptx: ['pptm', 'potx', 'potm', 'ppsx', 'ppsm'],
  doc: ['dot', 'wiz'],
  xls: ['xlt', 'xla'],
  ppt: ['pps', 'pot'],
  cfb: ['doc', 'dot', 'xls', 'xlt', 'ppt', 'pps', 'pot', 'msg', 'msi', 'msp', 'vsd', 'pub', 'mpp', 'ole', 'docx', 'xlsx', 'pptx'],
  exe: ['dll', 'sys', 'scr', 'com', 'cpl', 'ocx', 'drv', 'efi', 'mui', 'pif'],
  elf: ['so', 'o', 'ko', 'bin', 'out', 'axf', 'prx'],
  macho: ['dylib', 'bundle', 'o'],
  gz: ['tgz', 'gzip'],
  mp4: ['m4v', 'm4a'],
  eml: ['msg'],
};

/** Extensions of container formats built on ZIP; a ZIP-based document named .zip is not a mismatch. */
const ZIP_BASED = new Set(['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'odg', 'epub', 'jar', 'apk', 'xpi', 'vsdx', 'kmz']);

/** Extensions whose files start with a recognisable signature, so text or unknown bytes under them are suspect. */
const SIGNATURE_EXTENSIONS = new Set([
  'pdf', 'png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff', 'webp', 'heic', 'ico', 'zip', '7z', 'rar', 'gz', 'tgz',
  'bz2', 'xz', 'docx', 'xlsx', 'pptx', 'docm', 'xlsm', 'pptm', 'odt', 'ods', 'odp', 'doc', 'xls', 'ppt', 'msg',
  'rtf', 'exe', 'dll', 'msi', 'mp3', 'mp4', 'mov', 'avi', 'wav', 'ogg', 'flac', 'mkv', 'webm', 'jar', 'apk', 'epub',
  'psd', 'wasm', 'sqlite', 'class', 'swf', 'iso', 'cab', 'dmg',
]);

/** Text formats; text bytes under these names are not a mismatch. */
const TEXT_EXTENSIONS = new Set([
  'txt', 'text', 'csv', 'tsv', 'tab', 'htm', 'html', 'xhtml', 'shtml', 'xml', 'json', 'md', 'log', 'ini', 'cfg',
  'conf', 'yaml', 'yml', 'eml', 'mht', 'mhtml', 'ics', 'vcf', 'svg', 'js', 'css', 'sh', 'bat', 'cmd', 'ps1', 'vbs',
  'py', 'pl', 'rb', 'php', 'sql', 'asc', 'pem', 'crt', 'srt', 'vtt', 'rtf',
]);

/** Declared Content-Types that carry no claim about the content, so they never count as a mismatch. */
const GENERIC_TYPES = new Set([
  '', 'application/octet-stream', 'binary/octet-stream', 'application/binary', 'application/unknown',
  'application/x-download', 'application/download', 'application/force-download', 'application/x-unknown',
  'application/x-octet-stream', 'unknown/unknown',
]);

/** Declared Content-Types and the extension each claims, for types whose claim can be checked against the bytes. */
const DECLARED_TYPE_EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/pjpeg': 'jpg',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/x-zip': 'zip',
  'application/x-7z-compressed': '7z',
  'application/vnd.rar': 'rar',
  'application/x-rar-compressed': 'rar',
  'application/x-rar': 'rar',
  'application/gzip': 'gz',
  'application/x-gzip': 'gz',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.ms-outlook': 'msg',
  'application/rtf': 'rtf',
  'text/rtf': 'rtf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/xml': 'xml',
  'application/xml': 'xml',
  'application/json': 'json',
  'application/x-msdownload': 'exe',
  'application/x-dosexec': 'exe',
  'application/x-msdos-program': 'exe',
  'application/vnd.microsoft.portable-executable': 'exe',
  'application/x-executable': 'elf',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

const TYPE_LABELS: Record<string, string> = {
  txt: 'plain text',
  csv: 'CSV text',
  exe: 'a Windows executable (PE)',
  elf: 'an ELF executable',
  macho: 'a Mach-O executable',
  cfb: 'an OLE2 compound file',
  doc: 'a Word 97-2003 document',
  xls: 'an Excel 97-2003 workbook',
  ppt: 'a PowerPoint 97-2003 presentation',
  msg: 'an Outlook message',
  jpg: 'JPEG',
  gz: 'gzip',
  '7z': '7-Zip',
};

/** Names a detected type in a reason sentence: "PNG", "plain text", "a Windows executable (PE)". */
export function describeType(detected: DetectedType): string {
  return TYPE_LABELS[detected.ext] ?? detected.ext.toUpperCase();
}

/** Returns the lower-case extension of a filename without the dot, or null when it has none. */
export function filenameExtension(filename: string | null): string | null {
  if (filename === null) return null;
  const base = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1).trim();
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return null;
  return base.slice(dot + 1).toLowerCase();
}

/** Returns the MIME type of a Content-Type value, lower case, without parameters. */
export function baseContentType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function isKnownExtension(ext: string): boolean {
  return (
    SIGNATURE_EXTENSIONS.has(ext) ||
    TEXT_EXTENSIONS.has(ext) ||
    ext in COMPATIBLE_EXTENSIONS ||
    Object.values(COMPATIBLE_EXTENSIONS).some((list) => list.includes(ext))
  );
}

/** Tells whether bytes of the detected type may honestly carry the claimed extension. */
function isClaimCompatible(claimed: string, detected: DetectedType | null): boolean {
  if (detected === null) return !SIGNATURE_EXTENSIONS.has(claimed);
  if (claimed === detected.ext) return true;
  if (COMPATIBLE_EXTENSIONS[detected.ext]?.includes(claimed)) return true;
  if (TEXT_TYPES.has(detected.ext)) return !SIGNATURE_EXTENSIONS.has(claimed);
  if (claimed === 'zip' && ZIP_BASED.has(detected.ext)) return true;
  return !isKnownExtension(claimed);
}

/**
 * Builds the truth table of an attachment: its declared type, its extension and the detected type, with a
 * mismatch when the bytes contradict the name or a specific declared type. Generic declared types such as
 * application/octet-stream and unknown extensions claim nothing, so they never mismatch.
 */
export function buildTruthTable(detected: DetectedType | null, filename: string | null, contentType: string): AttachmentTruth {
  const declaredType = baseContentType(contentType);
  const extension = filenameExtension(filename);

  const nameMismatch = extension !== null && !isClaimCompatible(extension, detected);
  const declaredClaim = DECLARED_TYPE_EXTENSIONS[declaredType] ?? null;
  const declaredMismatch =
    !GENERIC_TYPES.has(declaredType) && declaredType !== detected?.mime && declaredClaim !== null && !isClaimCompatible(declaredClaim, detected);

  if (!nameMismatch && !declaredMismatch) {
    return { declaredType, extension, detected, mismatch: false, mismatchReason: null };
  }

  const actual = detected === null ? 'match no known file type' : `are ${describeType(detected)}`;
  let claim: string;
  if (nameMismatch && declaredMismatch) claim = `Named .${extension} and declared as ${declaredType}`;
  else if (nameMismatch) claim = `Named .${extension}`;
  else claim = `Declared as ${declaredType}`;
  return { declaredType, extension, detected, mismatch: true, mismatchReason: `${claim} but the bytes ${actual}` };
}
