// Analyses one piece of content (an attachment or an archive member): true type, truth table, text, flags, and
// for ZIP archives their members, recursively within the archive limits.
import type { ArchiveMember, AttachmentTruth } from '../../../shared/types.js';
import {
  MAX_ARCHIVE_DEPTH,
  MAX_ARCHIVE_MEMBERS,
  MAX_ARCHIVE_MEMBER_OCTETS,
  MAX_ARCHIVE_TEXT_CHARS,
  MAX_ARCHIVE_TOTAL_OCTETS,
  MAX_ATTACHMENT_TEXT_CHARS,
} from './attachment-limits.js';
import { FlagList, executableReason, imageReason } from './content-flags.js';
import { baseContentType, buildTruthTable, detectTrueType, filenameExtension } from './detect-type.js';
import { DocumentLimitError, EncryptedDocumentError, TEXT_EXTRACTORS, extractDocumentText } from './document-text.js';
import { detectOfficeEncryption, detectRarEncryption, isEncryptedSevenZip, pdfHasEncryptDictionary, readCompoundFile } from './encryption-checks.js';
import { charsetFromContentType } from './text-decoding.js';
import { listZipEntries, memberLimitProblem, readZipEntry, type ZipEntryInfo } from './zip-reader.js';

/** Shared by everything analysed for one attachment, so nested archives draw on the same limits. */
export interface AnalysisBudget {
  members: number;
  octets: number;
  memberTextChars: number;
}

export interface ContentContext {
  /** Flag location: the MIME part path, with "!member/path" for archive members. */
  location: string;
  filename: string | null;
  contentType: string;
  /** Archives already opened around this content: 0 for an attachment. */
  depth: number;
  /** Path of this content inside the outermost archive, or '' for the attachment itself. */
  memberPath: string;
  budget: AnalysisBudget;
  flags: FlagList;
  /** Members of every archive opened for this attachment, in order. */
  members: ArchiveMember[];
}

export interface ContentResult {
  truth: AttachmentTruth;
  text: string;
  textError: string | null;
}

/**
 * OLE2 compound files. NOTE: Word, Excel and PowerPoint 97-2003 files and Outlook .msg files are only checked for
 * encryption; their text is not extracted. 7-Zip and RAR archives are likewise only checked, not listed.
 */
const COMPOUND_TYPES = new Set(['cfb', 'doc', 'xls', 'ppt', 'msg']);

/** ZIP-based types without a text extractor of their own, whose members are listed and analysed instead. */
const ARCHIVE_TYPES = new Set(['zip', 'jar', 'apk', 'epub', 'xpi', 'kmz', 'vsdx', 'odg']);

/** Returns an error's message without a trailing period, so it can sit inside a sentence. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().replace(/\.+$/, '');
}

/**
 * Analyses content: type and truth table, flags, text, and archive members. Bad input ends in flags and textError,
 * and only a fault in this code or a library rejects.
 */
export async function analyzeContent(data: Buffer, context: ContentContext): Promise<ContentResult> {
  const detected = await detectTrueType(data);
  const truth = buildTruthTable(detected, context.filename, context.contentType);
  const { flags, location } = context;

  if (truth.mismatch && truth.mismatchReason !== null) flags.add('type-mismatch', location, `${truth.mismatchReason}.`);
  const image = imageReason(detected);
  if (image !== null) flags.add('image', location, image);
  const executable = executableReason(detected, truth.extension, data);
  if (executable !== null) flags.add('executable', location, executable);

  const type = detected?.ext ?? null;
  if (type !== null && ARCHIVE_TYPES.has(type)) {
    await walkZip(data, context);
    return { truth, text: '', textError: null };
  }
  if (type !== null && COMPOUND_TYPES.has(type)) {
    checkCompoundFile(data, context);
    return { truth, text: '', textError: null };
  }
  if (type === '7z' && isEncryptedSevenZip(data)) {
    flags.add('encrypted-archive', location, 'The 7-Zip archive uses AES encryption, so its content cannot be read.');
  }
  if (type === 'rar') {
    const encryption = detectRarEncryption(data);
    if (encryption === 'headers') flags.add('encrypted-archive', location, 'The RAR archive is encrypted, file names included, so its content cannot be read.');
    if (encryption === 'files') flags.add('encrypted-archive', location, 'The RAR archive contains encrypted files, so their content cannot be read.');
  }

  // Unknown bytes are still tried as the type their name or declared type claims, so a broken document
  // reports why its text is missing instead of passing silently.
  const claimed = detected === null ? claimedTextType(context) : null;
  let extractor = type !== null && TEXT_EXTRACTORS.has(type) ? type : claimed;
  // An HTML fragment without <html> reads as plain text, but a name or declared type saying HTML is believed.
  if (extractor === 'txt' && (truth.extension === 'html' || truth.extension === 'htm' || truth.declaredType === 'text/html')) extractor = 'html';
  if (extractor === null) return { truth, text: '', textError: null };

  const { text, textError } = await extractText(data, extractor, context);
  return { truth, text, textError };
}

/** Document types tried when unknown bytes claim them; text types are not, since the bytes are not text. */
const CLAIMABLE_DOCUMENT_TYPES = new Set(['pdf', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'rtf']);

function claimedTextType(context: ContentContext): string | null {
  const extension = filenameExtension(context.filename);
  if (extension !== null && CLAIMABLE_DOCUMENT_TYPES.has(extension)) return extension;
  const declared = baseContentType(context.contentType);
  const fromDeclared: Record<string, string> = {
    'application/pdf': 'pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
    'application/vnd.oasis.opendocument.text': 'odt',
    'application/rtf': 'rtf',
  };
  return fromDeclared[declared] ?? null;
}

async function extractText(data: Buffer, type: string, context: ContentContext): Promise<{ text: string; textError: string | null }> {
  const { flags, location, budget } = context;
  const isMember = context.depth > 0;
  const maxChars = isMember ? Math.min(MAX_ATTACHMENT_TEXT_CHARS, MAX_ARCHIVE_TEXT_CHARS - budget.memberTextChars) : MAX_ATTACHMENT_TEXT_CHARS;
  if (maxChars <= 0) {
    flags.add('limit-reached', location, `No text was read because the archive's members already produced ${MAX_ARCHIVE_TEXT_CHARS} characters (MAX_ARCHIVE_TEXT_CHARS).`);
    return { text: '', textError: null };
  }

  // ZIP-based documents draw their decompressed parts from the attachment's octet budget too.
  const allowance = { remaining: Math.max(0, MAX_ARCHIVE_TOTAL_OCTETS - budget.octets) };
  const allowanceStart = allowance.remaining;
  try {
    const result = await extractDocumentText(data, type, charsetFromContentType(context.contentType), maxChars, allowance);
    for (const problem of result.limitProblems) flags.add('limit-reached', location, problem);
    if (result.truncated) {
      const limitName = maxChars < MAX_ATTACHMENT_TEXT_CHARS ? 'MAX_ARCHIVE_TEXT_CHARS' : 'MAX_ATTACHMENT_TEXT_CHARS';
      flags.add('limit-reached', location, `The text was cut at ${maxChars} characters (${limitName}).`);
    }
    budget.octets += allowanceStart - allowance.remaining;
    const text = result.text.trimEnd();
    if (isMember) budget.memberTextChars += text.length;
    return { text, textError: null };
  } catch (error) {
    budget.octets += allowanceStart - allowance.remaining;
    if (error instanceof EncryptedDocumentError) {
      flags.add('encrypted-pdf', location, `${error.message}.`);
      return { text: '', textError: error.message };
    }
    if (error instanceof DocumentLimitError) {
      flags.add('limit-reached', location, `${error.message}.`);
      return { text: '', textError: error.message };
    }
    const reason = `Text could not be extracted from the ${type.toUpperCase()} content: ${describeError(error)}`;
    if (type === 'pdf' && pdfHasEncryptDictionary(data)) {
      flags.add('encrypted-pdf', location, 'The PDF names an encryption dictionary and could not be read.');
    }
    flags.add('extraction-failed', location, `${reason}.`);
    return { text: '', textError: reason };
  }
}

function checkCompoundFile(data: Buffer, context: ContentContext): void {
  const file = readCompoundFile(data);
  if (file === null) {
    context.flags.add('extraction-failed', context.location, 'The OLE2 compound file structure could not be read.');
    return;
  }
  const encryption = detectOfficeEncryption(file);
  if (encryption === null) return;
  const details: Record<string, string> = {
    ooxml: 'The Office document is encrypted with a password (EncryptionInfo and EncryptedPackage streams), so its content cannot be read.',
    word: 'The Word 97-2003 document is encrypted with a password, so its content cannot be read.',
    excel: 'The Excel 97-2003 workbook is encrypted with a password, so its content cannot be read.',
  };
  context.flags.add('encrypted-office', context.location, details[encryption.kind] ?? 'The Office document is encrypted.');
}

// ---------------------------------------------------------------------------------------------------------------
// ZIP archives

function encryptionDetail(info: ZipEntryInfo): string {
  if (info.encryption === 'aes') {
    const strength = info.aesBits === null ? 'AES' : `AES-${info.aesBits}`;
    return `The member ${info.name} is encrypted with WinZip ${strength}, so its content cannot be read.`;
  }
  return `The member ${info.name} is encrypted with traditional PKWARE encryption (ZipCrypto), so its content cannot be read.`;
}

/**
 * Lists and analyses the members of a ZIP archive, recursing into nested archives up to MAX_ARCHIVE_DEPTH.
 * Each limit that stops the walk raises a 'limit-reached' flag that names it.
 */
async function walkZip(data: Buffer, context: ContentContext): Promise<void> {
  const { flags, location, budget } = context;
  const depth = context.depth + 1;
  if (depth > MAX_ARCHIVE_DEPTH) {
    flags.add('limit-reached', location, `The archive is nested more than ${MAX_ARCHIVE_DEPTH} archives deep and was not opened (MAX_ARCHIVE_DEPTH).`);
    return;
  }

  const remaining = MAX_ARCHIVE_MEMBERS - budget.members;
  if (remaining <= 0) {
    flags.add('limit-reached', location, `The archive was not opened because ${MAX_ARCHIVE_MEMBERS} members were already read (MAX_ARCHIVE_MEMBERS).`);
    return;
  }

  let listing;
  try {
    listing = await listZipEntries(data, remaining);
  } catch (error) {
    const message = describeError(error);
    if (/strong encryption/i.test(message)) {
      flags.add('encrypted-zip', location, 'The ZIP archive uses PKWARE strong encryption, so its content cannot be read.');
    } else {
      flags.add('extraction-failed', location, `The ZIP archive could not be read: ${message}.`);
    }
    return;
  }
  if (listing.declaredCount > listing.entries.length) {
    flags.add('limit-reached', location, `The archive lists ${listing.declaredCount} members; only ${listing.entries.length} were read (MAX_ARCHIVE_MEMBERS).`);
  }

  for (const info of listing.entries) {
    if (info.isDirectory) continue;
    budget.members += 1;
    const path = context.memberPath === '' ? info.name : `${context.memberPath}!${info.name}`;
    const memberLocation = `${location.split('!')[0] ?? location}!${path}`;
    const member: ArchiveMember = { path, size: info.uncompressedSize, encrypted: info.encryption !== null, detected: null, text: '' };
    context.members.push(member);

    if (info.encryption !== null) {
      flags.add('encrypted-zip', memberLocation, encryptionDetail(info));
      continue;
    }
    const problem = memberLimitProblem(info);
    if (problem !== null) {
      flags.add('limit-reached', memberLocation, `The member ${info.name} was not read because ${problem}.`);
      continue;
    }
    if (budget.octets + info.uncompressedSize > MAX_ARCHIVE_TOTAL_OCTETS) {
      flags.add('limit-reached', memberLocation, `The member ${info.name} was not read because the archive's members together exceed ${MAX_ARCHIVE_TOTAL_OCTETS} octets (MAX_ARCHIVE_TOTAL_OCTETS).`);
      continue;
    }

    let memberData: Buffer;
    try {
      memberData = await readZipEntry(listing, info, MAX_ARCHIVE_MEMBER_OCTETS);
    } catch (error) {
      flags.add('extraction-failed', memberLocation, `The member ${info.name} could not be decompressed: ${describeError(error)}.`);
      continue;
    }
    budget.octets += memberData.length;

    const result = await analyzeContent(memberData, {
      ...context,
      location: memberLocation,
      filename: info.name,
      contentType: 'application/octet-stream',
      depth,
      memberPath: path,
    });
    member.detected = result.truth.detected;
    member.text = result.text;
  }
}
