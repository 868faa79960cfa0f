// Analyses one attachment: true file type and truth table, extracted text, archive members and content flags.
// Nothing here executes the content, hands it to another program or writes it to disk.
import type { ArchiveMember, AttachmentTruth, ContentFlag } from '../../../shared/types.js';
import { createLogger } from '../../logging/logger.js';
import { analyzeContent } from './content-analysis.js';
import { FlagList } from './content-flags.js';
import { baseContentType, filenameExtension } from './detect-type.js';
import { charsetFromContentType } from './text-decoding.js';

const log = createLogger('attachment-analysis');

export interface AttachmentAnalysis {
  truth: AttachmentTruth;
  /** Extracted document text, bounded, trailing whitespace removed; archive members' text is in `members`. */
  text: string;
  /** Reason the text could not be extracted (a fault, a limit, or an encrypted PDF), or null. */
  textError: string | null;
  members: ArchiveMember[];
  flags: ContentFlag[];
}

/**
 * Analyses an attachment's bytes. Resolves, never rejects: a failure goes to textError with an
 * 'extraction-failed' flag, and the analysis keeps what it found before the failure. The charset of text content
 * comes from a charset parameter in contentType, else from meta.charset (the part's declared charset).
 */
export async function analyzeAttachment(
  data: Buffer,
  meta: { partPath: string; filename: string | null; contentType: string; charset?: string | null },
): Promise<AttachmentAnalysis> {
  const flags = new FlagList(meta.partPath);
  const hasCharsetParameter = charsetFromContentType(meta.contentType) !== null;
  const contentType = meta.charset && !hasCharsetParameter ? `${meta.contentType}; charset=${meta.charset}` : meta.contentType;
  const members: ArchiveMember[] = [];

  try {
    const result = await analyzeContent(data, {
      location: meta.partPath,
      filename: meta.filename,
      contentType,
      depth: 0,
      memberPath: '',
      budget: { members: 0, octets: 0, memberTextChars: 0 },
      flags,
      members,
    });
    return { truth: result.truth, text: result.text, textError: result.textError, members, flags: flags.flags };
  } catch (error) {
    // analyzeContent handles bad input itself; this catches faults in the analysis code or its libraries.
    const reason = `Attachment analysis failed: ${error instanceof Error ? error.message : String(error)}`;
    log.warn('attachment analysis failed', { partPath: meta.partPath, error });
    flags.add('extraction-failed', meta.partPath, `${reason}.`);
    return {
      truth: {
        declaredType: baseContentType(meta.contentType),
        extension: filenameExtension(meta.filename),
        detected: null,
        mismatch: false,
        mismatchReason: null,
      },
      text: '',
      textError: reason,
      members,
      flags: flags.flags,
    };
  }
}
