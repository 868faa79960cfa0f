// Builds the embedded record of a TNEF attachment (winmail.dat): its subject, body and attachments.
import { createHash } from 'node:crypto';

import { createEmptyRecord, type MessageRecord, type MimePartInfo } from '../../shared/types.js';
import { analyzeAttachment } from './attachments/analyze-attachment.js';
import { convertHtml } from './mime-body.js';
import type { ParseMeta } from './parse-message.js';
import { decompressRtf } from './tnef-rtf.js';
import { readTnef } from './tnef.js';

const TNEF_TYPES = new Set(['application/ms-tnef', 'application/vnd.ms-tnef']);

/** Tells whether a part is a TNEF stream, by its Content-Type or by Outlook's fixed name winmail.dat. */
export function isTnefPart(info: MimePartInfo): boolean {
  return TNEF_TYPES.has(info.contentType) || (info.filename ?? '').toLowerCase() === 'winmail.dat';
}

/**
 * Reads a TNEF stream into a record. Its attachments are numbered "1", "2", ... in stream order, because TNEF
 * has no MIME paths. The body is taken from the plain text, else the HTML, else the compressed RTF, whose text
 * comes from the attachment analysis of RTF. Never rejects, because unreadable data gives a record with parseError
 * set.
 * NOTE: attachments inside the TNEF stream are analysed but not opened further, so a winmail.dat or .eml carried
 * inside winmail.dat gets no embedded record of its own.
 */
export async function readTnefRecord(data: Buffer, meta: ParseMeta): Promise<MessageRecord> {
  const record = createEmptyRecord(meta.sha256, meta.size, meta.sources);

  let content;
  try {
    content = readTnef(data);
  } catch (error) {
    return { ...record, parseError: error instanceof Error ? error.message : String(error) };
  }

  record.subject = content.subject ?? '';
  record.partErrors.push(...content.problems.map((reason) => ({ location: '1', reason })));
  if (content.problems.length > 0) record.parseError = content.problems.join('; ');

  if (content.body !== null && content.body.trim() !== '') {
    record.text = content.body.replace(/\r?\n/g, '\n');
  } else if (content.bodyHtml !== null) {
    const converted = convertHtml(content.bodyHtml);
    record.text = converted.text;
    if (converted.error !== null) record.partErrors.push({ location: '1', reason: converted.error });
  } else if (content.rtfCompressed !== null) {
    await readRtfBody(record, content.rtfCompressed);
  }

  for (const [index, attachment] of content.attachments.entries()) {
    const partPath = String(index + 1);
    const contentType = attachment.contentType ?? 'application/octet-stream';
    const analysis = await analyzeAttachment(attachment.data, { partPath, filename: attachment.filename, contentType });

    record.parts.push({
      path: partPath,
      contentType,
      transferEncoding: null,
      declaredCharset: null,
      charsetUsed: null,
      filename: attachment.filename,
      disposition: 'attachment',
      size: attachment.data.length,
      role: 'attachment',
    });
    record.attachments.push({
      partPath,
      filename: attachment.filename,
      contentType,
      size: attachment.data.length,
      sha256: createHash('sha256').update(attachment.data).digest('hex'),
      ...analysis,
    });
    record.flags.push(...analysis.flags);
  }
  return record;
}

/** Sets the record's text from a compressed RTF body, or records why it could not be read. */
async function readRtfBody(record: MessageRecord, compressed: Buffer): Promise<void> {
  const rtf = decompressRtf(compressed);
  if (rtf === null) {
    record.partErrors.push({ location: '1', reason: 'The compressed RTF body has an unknown compression type' });
    return;
  }

  const analysis = await analyzeAttachment(rtf, { partPath: '1', filename: null, contentType: 'application/rtf' });
  record.text = analysis.text;
  if (analysis.textError !== null) record.partErrors.push({ location: '1', reason: `The RTF body could not be read: ${analysis.textError}` });
}
