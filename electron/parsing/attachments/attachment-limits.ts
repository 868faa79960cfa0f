// Limits on attachment content analysis. Every attachment is untrusted: these bound the memory and time one
// hostile file can cost, and each limit that is hit shows up as a 'limit-reached' flag naming it.

/**
 * Maximum characters of text kept from one document (an attachment or one archive member). Text beyond it is
 * dropped. A 500-page report is about 1.5 million characters, so 2 million keeps whole real documents.
 */
export const MAX_ATTACHMENT_TEXT_CHARS = 2_000_000;

/**
 * Maximum characters of text kept from all members of one archive together, so a ZIP of many large documents
 * cannot multiply the per-document limit.
 */
export const MAX_ARCHIVE_TEXT_CHARS = 8_000_000;

/**
 * Deepest archive nesting opened: a ZIP inside a ZIP is depth 2. Recursive zip bombs ("42.zip") need 5 or more
 * levels. Real mail rarely nests more than two.
 */
export const MAX_ARCHIVE_DEPTH = 4;

/**
 * Maximum members read from one attachment's archives, nested ones included. The central directory of a hostile
 * archive can list millions of entries, and each costs a little memory and time. Real archives in mail typically
 * hold fewer than a few hundred.
 */
export const MAX_ARCHIVE_MEMBERS = 10_000;

/**
 * Maximum uncompressed octets of one archive member that is read into memory for analysis. Larger members are
 * listed but not opened.
 */
export const MAX_ARCHIVE_MEMBER_OCTETS = 64 * 1024 * 1024;

/**
 * Maximum uncompressed octets read from all members of one attachment's archives together, nested ones included.
 * Overlapping-entry zip bombs reuse one compressed stream for many members, and this total stops them as well.
 */
export const MAX_ARCHIVE_TOTAL_OCTETS = 256 * 1024 * 1024;

/**
 * Maximum ratio of uncompressed to compressed size of a member larger than ARCHIVE_RATIO_MIN_OCTETS. Deflate
 * cannot compress better than about 1032:1, and zip bombs sit near that. Text and XML usually stay below 20:1,
 * and very repetitive spreadsheets reach about 100:1.
 */
export const MAX_COMPRESSION_RATIO = 200;

/** Members at or below this uncompressed size skip the ratio check, because a small file of zeros is harmless. */
export const ARCHIVE_RATIO_MIN_OCTETS = 1024 * 1024;

/** Maximum PDF pages read for text. Text extraction also stops at MAX_ATTACHMENT_TEXT_CHARS. */
export const MAX_PDF_PAGES = 5_000;

/** Maximum nesting of RTF groups and XML elements followed; deeper input is treated as malformed. */
export const MAX_MARKUP_DEPTH = 1_000;

/** Maximum HTML converted to text, in characters; html-to-text builds a full DOM, so huge input is slow. */
export const MAX_HTML_CHARS = 10_000_000;

/** Maximum flags kept for one attachment; an archive of thousands of images or executables raises one each. */
export const MAX_FLAGS_PER_ATTACHMENT = 1_000;
