// Every size, count and time limit on untrusted input, in one place. Each constant's comment states what it bounds.

/**
 * Longest POP3 status or listing line accepted from a server, CRLF included. RFC 2449 section 4 caps
 * responses at 512 octets; the margin covers servers with long greetings or capability lists.
 */
export const POP3_MAX_RESPONSE_LINE = 8 * 1024;

/**
 * Largest single message accepted from a POP3 server or an import, in octets. Real mail rarely
 * exceeds 50 MB because most servers reject larger messages; the margin keeps large mailing
 * archives in. A larger message aborts the transfer with POP3_LIMIT_EXCEEDED instead of filling
 * the disk.
 */
export const MAX_MESSAGE_OCTETS = 256 * 1024 * 1024;

/** Most messages read from one UIDL or LIST listing; a hostile server cannot exhaust memory. */
export const POP3_MAX_LISTING_ENTRIES = 1_000_000;

/** Time to open the TCP connection and finish the TLS handshake, in milliseconds. */
export const POP3_CONNECT_TIMEOUT_MS = 20_000;

/** Time to wait for a command's status line, in milliseconds. */
export const POP3_COMMAND_TIMEOUT_MS = 60_000;

/**
 * Wait for the server's greeting, in milliseconds. Servers greet at once, and a plain connection to a TLS-only
 * port gets no greeting at all, so the investigator learns of that mistake sooner than after a full command timeout.
 */
export const POP3_GREETING_TIMEOUT_MS = 15_000;

/** Maximum gap without any byte during a message transfer before it counts as stalled, in milliseconds. */
export const POP3_TRANSFER_IDLE_TIMEOUT_MS = 120_000;

/**
 * RETR commands kept in flight when the server advertises PIPELINING (RFC 2449 section 6.6). A deeper
 * pipeline hides more round trips. Each unanswered RETR is a message the server may stream before the client
 * has stored the previous one, but memory stays bounded because the response reader pauses the socket.
 */
export const POP3_PIPELINE_DEPTH = 32;

/**
 * Messages stored per durability batch: their files are fsynced together, renamed, their folders fsynced
 * once and their custody entries appended with one fsync. A crash loses at most this many fetched but
 * unrecorded messages, which the next run fetches again or adopts by hash.
 */
export const EVIDENCE_BATCH_MESSAGES = 32;

/** Octets of fetched message data after which a durability batch is flushed early, even if not full. */
export const EVIDENCE_BATCH_OCTETS = 64 * 1024 * 1024;

/** Longest AUTH challenge or SASL response line, in octets (RFC 5034 section 4 has no limit; real ones are short). */
export const POP3_MAX_SASL_LINE = 4 * 1024;

/** Maximum search query length, in characters. */
export const MAX_QUERY_LENGTH = 2_000;

/** Largest rule file accepted, in bytes. */
export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

/** Maximum rules in one rule file, and maximum domains or keywords in one rule. */
export const MAX_RULES_PER_FILE = 1_000;
export const MAX_RULE_ENTRIES = 10_000;

/** Most members read from a bundle zip; a larger count means the file is not a Mailcase bundle. */
export const MAX_BUNDLE_ENTRIES = 2_000_000;

/** Largest size of any single member of a bundle zip after decompression (guards against zip bombs). */
export const MAX_BUNDLE_ENTRY_OCTETS = MAX_MESSAGE_OCTETS;

/** Characters of body text kept around a hit in a search snippet. */
export const SNIPPET_CONTEXT_CHARS = 80;

/**
 * Largest JSON request body accepted by the browser review server, in bytes. A rule file travels as a JSON
 * string, and escaping at most doubles a valid one: quotes, backslashes, tabs and line breaks each become a
 * two-byte escape, while other characters stay as their UTF-8 bytes. The extra 64 KB covers the rest of the envelope.
 */
export const REVIEW_SERVER_MAX_BODY_BYTES = 2 * MAX_RULE_FILE_BYTES + 64 * 1024;

/**
 * Maximum header block of one MIME part, in octets. A hostile message can send megabytes of header
 * lines to make the parser buffer and decode them all. Real headers typically stay under 100 KB, even
 * with long Received chains and DKIM signatures. The value equals the default of mailsplit 5.4, the
 * splitter mailparser 3.14 uses.
 */
export const MAX_HEADER_OCTETS = 1024 * 1024;

/**
 * Maximum MIME parts in one message, because deeply nested or very wide multiparts cost memory and
 * time per part. Ordinary mail typically has fewer than 50 parts. The value equals mailsplit 5.4's default.
 */
export const MAX_MIME_PARTS = 1_000;

/**
 * Maximum HTML body converted to plain text, in characters. html-to-text builds a full DOM, so
 * converting a huge HTML part is slow and memory-hungry. Newsletters typically stay below 2 MB of HTML.
 * A longer part leaves the text empty, and parseError gives the reason.
 */
export const MAX_HTML_TO_TEXT_CHARS = 10_000_000;

/**
 * Maximum fuzzy edit distance accepted (`word~2`). lunr expands a fuzzy term into every string within
 * that distance before matching. On a 200-document index under Node 20 each extra step took about
 * three times longer (5 ms at 2, 109 ms at 5), so `word~9` would stall the app for many seconds.
 * Distance 2 already covers typical misspellings.
 */
export const MAX_FUZZY_EDIT_DISTANCE = 2;

/** Maximum number of terms in one query. Each term is a separate index lookup, and real queries use a handful. */
export const MAX_QUERY_CLAUSES = 100;

/**
 * Maximum distinct matches kept for one rule in one message. A keyword repeated thousands of times
 * with different spacing or case would otherwise fill the saved result. The hit itself still counts.
 */
export const MAX_MATCHES_PER_MESSAGE = 1_000;

/** Maximum length of a keyword or phrase in a keyword-list rule, in characters. Real keywords are a few words. */
export const MAX_KEYWORD_CHARS = 500;

/** Maximum length of a rule name, in characters. */
export const MAX_RULE_NAME_CHARS = 200;

/** Finished jobs kept for polling; older ones are dropped first so a long session cannot grow without bound. */
export const MAX_FINISHED_JOBS = 100;

/**
 * Maximum wait for another process's custody log append to finish, in milliseconds. An append holds the lock
 * for one write and fsync, so a wait this long means a process is stuck while holding it.
 */
export const CUSTODY_LOCK_TIMEOUT_MS = 30_000;

// Message parsing: embedded messages

/**
 * Deepest nesting of embedded messages opened into records of their own (message/rfc822 parts, digest members,
 * TNEF winmail.dat). A hostile message can nest forwards thousands deep to make the parser recurse; real
 * forwarding chains rarely pass five levels. Deeper messages are flagged 'limit-reached' and left unopened.
 */
export const MAX_EMBEDDED_DEPTH = 8;

/**
 * Most embedded records built for one stored message, at all depths together. Each level may hold up to
 * MAX_MIME_PARTS parts, so without a total a few levels of wide digests would multiply into millions of records.
 * Mailing-list digests typically carry tens of members.
 */
export const MAX_EMBEDDED_MESSAGES = 2_000;
