// Human- and machine-readable listings of a bundle's messages: a static printable HTML report and a load file
// (CSV per RFC 4180 and JSON) with the same fields, for e-discovery platforms.
import { canonicalJson } from '../../shared/canonical-json.js';
import { SCHEMA_VERSION, type AddressEntry } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import type { BundleMetadata, BundledMessage } from './bundle-payload.js';

/** One row of the load file; the report shows the same fields. */
export interface LoadFileRow {
  recordId: string;
  sha256: string;
  parentSha256: string | null;
  partPath: string | null;
  /** Path of the raw message relative to the bag root, or null for an embedded message. */
  bundlePath: string | null;
  size: number;
  date: string | null;
  from: string;
  to: string;
  cc: string;
  subject: string;
  messageId: string | null;
  attachments: string[];
  tags: string[];
  flagged: boolean;
  notes: { at: string; text: string }[];
  hits: string[];
  sources: string[];
  parseError: string | null;
}

const CSV_COLUMNS = [
  'record_id',
  'sha256',
  'parent_sha256',
  'part_path',
  'bundle_path',
  'size',
  'date',
  'from',
  'to',
  'cc',
  'subject',
  'message_id',
  'attachments',
  'tags',
  'flagged',
  'notes',
  'hits',
  'sources',
  'parse_error',
] as const;

/** Separator of several values in one CSV field. */
const LIST_SEPARATOR = '; ';

/** Builds the load file rows in bundle order: each stored message followed by its embedded messages. */
export function buildLoadFileRows(messages: readonly BundledMessage[]): LoadFileRow[] {
  return messages.map((message) => {
    const record = message.record;
    return {
      recordId: message.recordId,
      sha256: message.sha256,
      parentSha256: message.parentSha256,
      partPath: message.partPath,
      bundlePath: message.payloadPath,
      size: message.size,
      date: record?.date ?? null,
      from: formatAddresses(record?.from ?? []),
      to: formatAddresses(record?.to ?? []),
      cc: formatAddresses(record?.cc ?? []),
      subject: record?.subject ?? '',
      messageId: record?.messageId ?? null,
      attachments: (record?.attachments ?? []).map((attachment) => attachment.filename ?? `(unnamed ${attachment.contentType})`),
      tags: message.review?.tags ?? [],
      flagged: message.review?.flagged ?? false,
      notes: message.review?.notes ?? [],
      hits: message.hits.map((hit) => (hit.ruleName ? `${hit.ruleId} (${hit.ruleName})` : hit.ruleId)),
      sources: message.sources,
      parseError: record ? record.parseError : 'not parsed',
    };
  });
}

/** Formats the JSON load file: schema and app version, then one object per row. */
export function formatLoadFileJson(rows: readonly LoadFileRow[]): Buffer {
  return Buffer.from(canonicalJson({ schemaVersion: SCHEMA_VERSION, appVersion: APP_VERSION, messages: rows }) + '\n', 'utf8');
}

/**
 * Formats the CSV load file per RFC 4180: a header line, CRLF line ends, and fields quoted when they contain
 * a comma, a quote or a line break, with quotes doubled. A field starting with =, +, -, @, tab or CR gets a
 * leading apostrophe, because spreadsheet programs would run it as a formula. The JSON load file keeps
 * every value unchanged.
 */
export function formatLoadFileCsv(rows: readonly LoadFileRow[]): Buffer {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const fields = [
      row.recordId,
      row.sha256,
      row.parentSha256 ?? '',
      row.partPath ?? '',
      row.bundlePath ?? '',
      String(row.size),
      row.date ?? '',
      row.from,
      row.to,
      row.cc,
      row.subject,
      row.messageId ?? '',
      row.attachments.join(LIST_SEPARATOR),
      row.tags.join(LIST_SEPARATOR),
      row.flagged ? 'true' : 'false',
      row.notes.map((note) => `${note.at} ${note.text}`).join(LIST_SEPARATOR),
      row.hits.join(LIST_SEPARATOR),
      row.sources.join(LIST_SEPARATOR),
      row.parseError ?? '',
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Formats the printable report. It is static HTML with no scripts, and its Content-Security-Policy forbids
 * every source but inline styles, so a hostile subject cannot run code even if escaping were bypassed.
 * Every value taken from a message, the case or a reviewer goes through escapeHtml.
 */
export function formatReportHtml(metadata: BundleMetadata, rows: readonly LoadFileRow[], signerFingerprint: string): Buffer {
  const summary: [string, string][] = [
    ['Case reference', metadata.caseReference],
    ['Case name', metadata.caseName],
    ['Case id', metadata.caseId],
    ['Investigator', metadata.investigator ?? '(not given)'],
    ['Organisation', metadata.organisation ?? '(not given)'],
    ['Sources', metadata.sources.join(', ') || '(none recorded)'],
    ['Acquisition period', formatPeriod(metadata)],
    ['Messages', String(rows.filter((row) => row.parentSha256 === null).length)],
    ['Signing key fingerprint (SHA-256)', signerFingerprint],
    ['Mailcase version', APP_VERSION],
  ];

  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>Evidence bundle ${escapeHtml(metadata.caseReference)}</title>`,
    `<style>${REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>Evidence bundle: ${escapeHtml(metadata.caseName)}</h1>`,
    '<table class="summary">',
    ...summary.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    '<p>Each message below is in the bag under the path shown, named by its SHA-256. manifest-sha256.txt and ' +
      'manifest-sha512.txt list the checksum of every file, and signature/ holds the Ed25519 signature over ' +
      'tagmanifest-sha256.txt.</p>',
    ...rows.map(formatMessageSection),
    '</body>',
    '</html>',
    '',
  ];
  return Buffer.from(parts.join('\n'), 'utf8');
}

const REPORT_STYLE =
  'body{font-family:sans-serif;font-size:10pt;margin:2em}table{border-collapse:collapse;margin-bottom:1em}' +
  'th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}th{width:14em;background:#eee}' +
  '.hash{font-family:monospace;word-break:break-all}section{page-break-inside:avoid;margin-bottom:1.5em}' +
  'section.embedded{margin-left:2em}';

function formatMessageSection(row: LoadFileRow): string {
  const fields: [string, string, boolean][] = [
    ['SHA-256', row.sha256, true],
    ['File', row.bundlePath ?? `embedded in ${row.parentSha256 ?? ''} at part ${row.partPath ?? ''}`, true],
    ['Date', row.date ?? '(none)', false],
    ['From', row.from || '(none)', false],
    ['To', row.to || '(none)', false],
    ['Cc', row.cc || '(none)', false],
    ['Subject', row.subject || '(none)', false],
    ['Message-ID', row.messageId ?? '(none)', false],
    ['Size', `${row.size} octets`, false],
    ['Attachments', row.attachments.join(', ') || '(none)', false],
    ['Tags', row.tags.join(', ') || '(none)', false],
    ['Flagged', row.flagged ? 'yes' : 'no', false],
    ['Rule hits', row.hits.join(', ') || '(none)', false],
    ['Sources', row.sources.join(', ') || '(none recorded)', false],
  ];
  if (row.parseError) fields.push(['Parse error', row.parseError, false]);

  const notes = row.notes.length === 0 ? '(none)' : row.notes.map((note) => `${escapeHtml(note.at)}: ${escapeHtml(note.text)}`).join('<br>');
  const cells = fields.map(([label, value, isHash]) => `<tr><th>${escapeHtml(label)}</th><td${isHash ? ' class="hash"' : ''}>${escapeHtml(value)}</td></tr>`);
  return [
    `<section${row.parentSha256 ? ' class="embedded"' : ''}>`,
    `<h2>${escapeHtml(row.subject || '(no subject)')}</h2>`,
    '<table>',
    ...cells,
    `<tr><th>Notes</th><td>${notes}</td></tr>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function formatPeriod(metadata: BundleMetadata): string {
  if (!metadata.acquisitionStart || !metadata.acquisitionEnd) return '(none recorded)';
  return `${metadata.acquisitionStart} to ${metadata.acquisitionEnd}`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function formatAddresses(entries: readonly AddressEntry[]): string {
  return entries.map((entry) => (entry.name ? `${entry.name} <${entry.address}>` : entry.address)).join(', ');
}
