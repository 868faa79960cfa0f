import { describe, expect, it } from 'vitest';

import { quoteFromLines } from '../../electron/bundle/bundle-mbox.js';
import type { BundleMetadata, BundledMessage } from '../../electron/bundle/bundle-payload.js';
import { buildLoadFileRows, escapeHtml, formatLoadFileCsv, formatLoadFileJson, formatReportHtml } from '../../electron/bundle/bundle-report.js';
import { createAddress, createAttachment, createEmptyRecord } from '../../shared/types.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';

const METADATA: BundleMetadata = {
  caseReference: 'CR-<1>',
  caseName: 'Case & "friends"',
  caseId: 'case-id',
  investigator: 'Ina Vestigator',
  organisation: null,
  sources: ['bob@pop.example:995'],
  acquisitionStart: '2026-03-01T10:00:00.000Z',
  acquisitionEnd: '2026-03-01T10:05:00.000Z',
};

function hostileMessage(): BundledMessage {
  const record = createEmptyRecord(SHA_A, 120);
  record.subject = HOSTILE;
  record.from = [createAddress('Mallory <evil>', 'mallory@rival.example')];
  record.to = [createAddress('', 'bob@example.org'), createAddress('Carol, Sales', 'carol@example.org')];
  record.date = '2026-03-01T09:00:00.000Z';
  record.attachments = [createAttachment({ filename: '=HYPERLINK("http://x")', contentType: 'text/csv', size: 5, sha256: SHA_B })];
  return {
    recordId: SHA_A,
    sha256: SHA_A,
    parentSha256: null,
    partPath: null,
    payloadPath: `data/messages/${SHA_A}.eml`,
    size: 120,
    record,
    review: { sha256: SHA_A, tags: ['privileged'], flagged: true, notes: [{ at: '2026-03-02T00:00:00.000Z', text: 'Line one\nline "two" <b>' }] },
    hits: [{ ruleId: 'competitors', ruleName: 'Mail with <competitors>', runFile: 'latest.json' }],
    sources: ['bob@pop.example:995'],
  };
}

function unparsedMessage(): BundledMessage {
  return {
    recordId: SHA_B,
    sha256: SHA_B,
    parentSha256: null,
    partPath: null,
    payloadPath: `data/messages/${SHA_B}.eml`,
    size: 7,
    record: null,
    review: null,
    hits: [],
    sources: [],
  };
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('formatReportHtml', () => {
  const html = formatReportHtml(METADATA, buildLoadFileRows([hostileMessage(), unparsedMessage()]), 'f'.repeat(64)).toString('utf8');

  it('contains no script element', () => {
    expect(html.toLowerCase()).not.toContain('<script');
  });

  it('contains no element from the hostile subject', () => {
    expect(html).not.toContain('<img');
  });

  it('shows the hostile subject as escaped text', () => {
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('forbids every source but inline style', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });

  it('escapes case details', () => {
    expect(html).toContain('<title>Evidence bundle CR-&lt;1&gt;</title>');
    expect(html).toContain('<h1>Evidence bundle: Case &amp; &quot;friends&quot;</h1>');
  });

  it('lists hash, tags, notes and hits of a message', () => {
    expect(html).toContain(`<td class="hash">${SHA_A}</td>`);
    expect(html).toContain('<tr><th>Tags</th><td>privileged</td></tr>');
    expect(html).toContain('<tr><th>Notes</th><td>2026-03-02T00:00:00.000Z: Line one\nline &quot;two&quot; &lt;b&gt;</td></tr>');
    expect(html).toContain('<tr><th>Rule hits</th><td>competitors (Mail with &lt;competitors&gt;)</td></tr>');
  });

  it('marks a message without a record', () => {
    expect(html).toContain('<tr><th>Parse error</th><td>not parsed</td></tr>');
  });
});

describe('formatLoadFileCsv', () => {
  const csv = formatLoadFileCsv(buildLoadFileRows([hostileMessage()])).toString('utf8');
  const [header, row, end] = csv.split('\r\n');

  it('ends every record with CRLF', () => {
    expect(end).toBe('');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('writes the header line', () => {
    expect(header).toBe(
      'record_id,sha256,parent_sha256,part_path,bundle_path,size,date,from,to,cc,subject,message_id,attachments,tags,flagged,notes,hits,sources,parse_error',
    );
  });

  it('quotes fields with commas, quotes and line breaks', () => {
    expect(row).toContain(',"bob@example.org, Carol, Sales <carol@example.org>",');
    expect(row).toContain(`,"${HOSTILE.replace(/"/g, '""')}",`);
    expect(csv).toContain(',"2026-03-02T00:00:00.000Z Line one\nline ""two"" <b>",');
  });

  it('prefixes a value that a spreadsheet would run as a formula', () => {
    expect(row).toContain(`,"'=HYPERLINK(""http://x"")",`);
  });
});

describe('formatLoadFileJson', () => {
  it('keeps every value unchanged', () => {
    const parsed = JSON.parse(formatLoadFileJson(buildLoadFileRows([hostileMessage()])).toString('utf8')) as { messages: Record<string, unknown>[] };

    expect(parsed.messages[0]?.['subject']).toBe(HOSTILE);
    expect(parsed.messages[0]?.['attachments']).toEqual(['=HYPERLINK("http://x")']);
    expect(parsed.messages[0]?.['hits']).toEqual(['competitors (Mail with <competitors>)']);
  });
});

describe('quoteFromLines', () => {
  it('adds one > to From lines at any quoting depth', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nFrom here\r\n>From there\r\n>>From far\r\n From not\r\nFromage\r\n');

    expect(quoteFromLines(raw).toString('latin1')).toBe('Subject: x\r\n\r\n>From here\r\n>>From there\r\n>>>From far\r\n From not\r\nFromage\r\n');
  });

  it('quotes a last line without a line break', () => {
    expect(quoteFromLines(Buffer.from('a\nFrom end')).toString('latin1')).toBe('a\n>From end');
  });

  it('leaves other octets alone', () => {
    const raw = Buffer.from([0x00, 0xff, 0x0a, 0x80, 0x0d, 0x0a]);

    expect(quoteFromLines(raw).equals(raw)).toBe(true);
  });
});
