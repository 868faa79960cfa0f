import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import { addTag, setFlagged } from '../../electron/review/review-store.js';
import { MANIFEST_FILE, forgetLoadedIndexes, rebuildIndex, searchCase } from '../../electron/search/search-index.js';
import { MailcaseError } from '../../shared/errors.js';
import { createAttachment, createEmptyRecord } from '../../shared/types.js';

let dir: string;
let store: CaseStore;

/** A small case whose messages each exercise one part of the query language. */
const MESSAGES = {
  falcon: [
    'From: Alice Example <alice@corp.example>',
    'To: Bob Buyer <bob@sales.rival.example>',
    'Subject: Falcon pricing for Q3',
    'Date: Tue, 05 Mar 2024 13:30:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Here are the numbers for Project',
    'Falcon that we discussed. The pricing model is final.',
    '',
  ],
  softBreak: [
    'From: Carol <carol@corp.example>',
    'To: Dave <dave@partner.example>',
    'Cc: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@partner.example>',
    'Subject: Quarterly pricing',
    'Date: Mon, 15 Jan 2024 09:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'We agreed on the secret pric=',
    'ing schedule with the Bluebird team. Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.',
    '',
  ],
  lunch: [
    'From: bob@sales.rival.example',
    'To: alice@corp.example',
    'Subject: Lunch on Friday',
    'Date: Fri, 20 Dec 2024 11:00:00 +0000',
    '',
    'A falcon is a bird. Pricing can wait until after lunch, said the falcon.',
    '',
  ],
  russian: [
    'From: Erin <erin@other.example>',
    'To: alice@corp.example',
    'Subject: =?utf-8?b?0J/RgNC40LLQtdGC?=',
    'Date: Wed, 01 May 2024 08:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Привет из Москвы. Ελληνικά κείμενα.',
    '',
  ],
  attachment: [
    'From: Frank <frank@vendor.example>',
    'To: alice@corp.example',
    'Subject: Report attached',
    'Date: Thu, 06 Jun 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'See the attached report.',
    '--b1',
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1').toString('base64'),
    '--b1',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="forwarded.eml"',
    '',
    'From: Grace <grace@rival.example>',
    'To: frank@vendor.example',
    'Subject: Inner memo',
    'Date: Sat, 01 Jun 2024 07:00:00 +0000',
    '',
    'The osprey budget is confidential.',
    '--b1--',
    '',
  ],
  encrypted: [
    'From: Heidi <heidi@corp.example>',
    'To: alice@corp.example',
    'Subject: Sealed',
    'Date: Sun, 07 Jul 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e1"',
    '',
    '--e1',
    'Content-Type: application/pgp-encrypted',
    '',
    'Version: 1',
    '--e1',
    'Content-Type: application/octet-stream',
    '',
    '-----BEGIN PGP MESSAGE-----',
    'hQEMA0000000000000AQf/',
    '-----END PGP MESSAGE-----',
    '--e1--',
    '',
  ],
} as const;

type Label = keyof typeof MESSAGES;
const sha = {} as Record<Label, string>;

async function storeAndParse(lines: readonly string[]): Promise<string> {
  const raw = Buffer.from(lines.join('\r\n'), 'utf8');
  const writer = await store.createEvidenceWriter();
  await writer.write(raw);
  const { sha256 } = await writer.commit();
  await store.saveRecord(await parseMessage(raw, { sha256, size: raw.length, sources: [] }));
  return sha256;
}

async function shasOf(query: string): Promise<string[]> {
  const result = await searchCase(store, query, { allMatches: true });
  return result.sha256s ?? [];
}

function sorted(...labels: Label[]): string[] {
  return labels.map((label) => sha[label]).sort();
}

async function syntaxErrorOf(query: string): Promise<MailcaseError> {
  const error = await searchCase(store, query).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof MailcaseError)) throw new Error(`"${query}" did not fail with a MailcaseError`);
  return error;
}

function indexFile(name: string): string {
  return store.derivedPath('index', name);
}

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-search-'));
  store = await CaseStore.create(dir, 'search test');
  for (const label of Object.keys(MESSAGES) as Label[]) sha[label] = await storeAndParse(MESSAGES[label]);
  await rebuildIndex(store);
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('searchCase', () => {
  it.each<[string, Label[]]>([
    ['falcon', ['falcon', 'lunch']],
    ['FALCON', ['falcon', 'lunch']],
    ['falcon pricing', ['falcon', 'lunch']],
    ['falcon AND bird', ['lunch']],
    ['osprey OR bluebird', ['attachment', 'softBreak']],
    ['pricing NOT falcon', ['softBreak']],
    ['pricing -falcon', ['softBreak']],
    ['(osprey OR bluebird) -subject:quarterly', ['attachment']],
    ['NOT (falcon OR pricing OR osprey)', ['attachment', 'encrypted', 'russian']],
    ['pric*', ['falcon', 'lunch', 'softBreak']],
    ['prici*', ['falcon', 'lunch', 'softBreak']],
    ['falcn~1', ['falcon', 'lunch']],
    ['"project falcon"', ['falcon']],
    ['"secret pricing schedule"', ['softBreak']],
    ['"pricing project"', []],
    ['"the falcon"', ['lunch']],
    ['"said the falcon"', ['lunch']],
    ['said', ['lunch']],
    ['body:said', ['lunch']],
    ['subject:pricing', ['falcon', 'softBreak']],
    ['subject:"falcon pricing"', ['falcon']],
    ['body:falcon', ['falcon', 'lunch']],
    ['subject:falcon', ['falcon']],
    ['falcon NEAR/3 pricing', ['falcon', 'lunch']],
    ['falcon NEAR/2 pricing', ['falcon']],
    ['pricing NEAR/2 falcon', ['falcon']],
    ['bird NEAR/0 pricing', ['lunch']],
    ['pricing ADJ/0 falcon', []],
    ['falcon ADJ/0 pricing', ['falcon']],
    ['falcon ADJ/3 pricing', ['falcon', 'lunch']],
    ['pricing ADJ/3 falcon', []],
    ['"project falcon" NEAR/5 pricing', ['falcon']],
    ['привет', ['russian']],
    ['москвы', ['russian']],
    ['κείμενα', ['russian']],
    ['subject:привет', ['russian']],
    ['münchen', ['softBreak']],
    ['"grüße aus münchen"', ['softBreak']],
    ['cc:jürgen', ['softBreak']],
    ['cc:"jürgen müller"', ['softBreak']],
    ['from:bob@sales.rival.example', ['lunch']],
    ['from:BOB@sales.rival.example', ['lunch']],
    ['from:rival.example', ['lunch', 'attachment']],
    ['to:bob', ['falcon']],
    ['"example bob"', []],
    ['"bob buyer"', ['falcon']],
    ['to:rival', ['falcon']],
    ['from:ali*', ['falcon']],
    ['from:alice', ['falcon']],
    ['participant:alice', ['falcon', 'lunch', 'russian', 'attachment', 'encrypted']],
    ['domain:rival.example', ['falcon', 'lunch', 'attachment']],
    ['domain:sales.rival.example', ['falcon', 'lunch']],
    ['domain:ival.example', []],
    ['has:attachment', ['attachment', 'encrypted']],
    ['filename:notes.txt', ['attachment']],
    ['filename:notes', ['attachment']],
    ['filename:forw*', ['attachment']],
    ['is:encrypted', ['encrypted']],
    ['date:2024-01-01..2024-03-31', ['softBreak', 'falcon']],
    ['date:2024-06', ['attachment']],
    ['before:2024-03-05', ['softBreak']],
    ['after:2024-07-07', ['encrypted', 'lunch']],
    ['osprey', ['attachment']],
    ['subject:"inner memo"', ['attachment']],
  ])('finds the messages for %s', async (query, labels) => {
    expect(await shasOf(query)).toEqual(sorted(...labels));
  });

  it('finds messages by size', async () => {
    const small = (await fs.stat(store.messagePath(sha.lunch))).size;

    expect(await shasOf(`size:<=${small}`)).toContain(sha.lunch);
    expect(await shasOf(`size:>${small} size:<${small + 1}`)).toEqual([]);
  });

  it('names the embedded message a hit is in', async () => {
    const result = await searchCase(store, 'osprey');

    expect(result.total).toBe(1);
    expect(result.hits[0]?.sha256).toBe(sha.attachment);
    expect(result.hits[0]?.embedded).toBe(true);
    expect(result.hits[0]?.recordId).toBe(`${sha.attachment}/3`);
    expect(result.hits[0]?.subject).toBe('Inner memo');
  });

  it('counts an embedded and its parent as two records', async () => {
    const result = await searchCase(store, 'participant:frank', { allMatches: true });

    expect(result.total).toBe(2);
    expect(result.sha256s).toEqual([sha.attachment]);
  });

  it('finds the true type of an attachment', async () => {
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('Subject: typed\r\n\r\nplaceholder\r\n'));
    const typed = (await writer.commit()).sha256;
    const truth = { declaredType: 'text/plain', extension: 'txt', detected: { ext: 'pdf', mime: 'application/pdf' }, mismatch: true, mismatchReason: 'PDF named .txt' };
    await store.saveRecord({
      ...createEmptyRecord(typed, 30),
      attachments: [createAttachment({ filename: 'notes.txt', contentType: 'text/plain', size: 10, sha256: 'c'.repeat(64), truth })],
    });

    expect(await shasOf('filetype:pdf')).toEqual([typed, sha.attachment].sort());
    expect(await shasOf('filetype:docx')).toEqual([]);
  });

  it('finds tags and flags set by reviewers', async () => {
    await addTag(store, sha.lunch, 'privileged');
    await setFlagged(store, sha.falcon, true);

    expect(await shasOf('tag:privileged')).toEqual([sha.lunch]);
    expect(await shasOf('is:flagged')).toEqual([sha.falcon]);
    expect(await shasOf('is:flagged OR tag:Privileged')).toEqual(sorted('falcon', 'lunch'));
  });

  it('sorts by date, newest first', async () => {
    const result = await searchCase(store, 'domain:corp.example', { sort: 'date' });

    expect(result.sort).toBe('date');
    expect(result.hits.map((hit) => hit.date)).toEqual([
      '2024-12-20T11:00:00.000Z',
      '2024-07-07T10:00:00.000Z',
      '2024-06-06T10:00:00.000Z',
      '2024-05-01T08:00:00.000Z',
      '2024-03-05T13:30:00.000Z',
      '2024-01-15T09:00:00.000Z',
    ]);
  });

  it('ranks the more relevant message first', async () => {
    const result = await searchCase(store, 'falcon');

    expect(result.hits.map((hit) => hit.sha256)).toEqual([sha.falcon, sha.lunch]);
  });

  it('limits hits but counts every match', async () => {
    const result = await searchCase(store, 'pric*', { limit: 1 });

    expect(result.total).toBe(3);
    expect(result.hits.length).toBe(1);
  });

  it('returns all hits for an infinite limit', async () => {
    const result = await searchCase(store, 'participant:alice', { limit: Infinity });

    expect(result.hits.length).toBe(5);
  });

  it('fills a hit from its record', async () => {
    const result = await searchCase(store, 'subject:falcon');
    const hit = result.hits[0];

    expect(hit?.sha256).toBe(sha.falcon);
    expect(hit?.recordId).toBe(sha.falcon);
    expect(hit?.embedded).toBe(false);
    expect(hit?.date).toBe('2024-03-05T13:30:00.000Z');
    expect(hit?.from).toBe('Alice Example <alice@corp.example>');
    expect(hit?.subject).toBe('Falcon pricing for Q3');
  });

  it('highlights a phrase across a line break', async () => {
    const record = await store.loadRecord(sha.falcon);
    const body = record?.text ?? '';
    const result = await searchCase(store, '"project falcon"');
    const snippet = result.hits[0]?.snippets[0];
    const highlight = snippet?.highlights[0];

    expect(snippet?.source).toBe('body');
    expect(snippet?.partPath).toBe('1');
    expect(body.slice(highlight?.start, highlight?.end)).toBe('Project\nFalcon');
  });

  it('highlights a phrase joined at a soft break', async () => {
    const record = await store.loadRecord(sha.softBreak);
    const body = record?.text ?? '';
    const result = await searchCase(store, '"secret pricing"');
    const snippet = result.hits[0]?.snippets[0];
    const highlight = snippet?.highlights[0];

    expect(body.slice(highlight?.start, highlight?.end)).toBe('secret pricing');
    expect(body.slice(snippet?.excerptStart, (snippet?.excerptStart ?? 0) + (snippet?.excerpt.length ?? 0))).toBe(snippet?.excerpt);
  });

  it('highlights every matching word of a hit', async () => {
    const body = (await store.loadRecord(sha.lunch))?.text ?? '';
    const result = await searchCase(store, 'body:falcon', { sort: 'date' });
    const snippet = result.hits[0]?.snippets[0];

    expect(snippet?.highlights).toEqual([
      { start: body.indexOf('falcon'), end: body.indexOf('falcon') + 6 },
      { start: body.lastIndexOf('falcon'), end: body.lastIndexOf('falcon') + 6 },
    ]);
  });

  it('collapses line breaks in the one-line snippet', async () => {
    const result = await searchCase(store, '"project falcon"');

    expect(result.hits[0]?.snippet).toBe('Here are the numbers for Project Falcon that we discussed. The pricing model is final.');
  });

  it('highlights the subject when only it matched', async () => {
    const result = await searchCase(store, 'subject:report');
    const snippet = result.hits[0]?.snippets[0];

    expect(snippet).toEqual({ source: 'subject', partPath: null, excerpt: 'Report attached', excerptStart: 0, highlights: [{ start: 0, end: 6 }] });
  });

  it('names no excerpt for a file name match', async () => {
    const result = await searchCase(store, 'attachment:notes');

    expect(result.total).toBe(1);
    expect(result.hits[0]?.snippets).toEqual([]);
  });

  it('returns nothing for a blank query', async () => {
    const result = await searchCase(store, '   ');

    expect(result.total).toBe(0);
  });

  it('rejects an invalid query with its position', async () => {
    const error = await syntaxErrorOf('"falcon pricing" subject:');

    expect(error.code).toBe('QUERY_SYNTAX');
    expect(error.details).toMatchObject({ position: 25 });
  });
});

describe('searchCase index persistence', () => {
  it('reuses the saved index after reopening', async () => {
    const before = await fs.readFile(indexFile(MANIFEST_FILE));
    forgetLoadedIndexes();

    const reopened = await CaseStore.open(dir);
    const result = await searchCase(reopened, 'falcon');

    expect(result.total).toBe(2);
    expect(result.notice).toBeUndefined();
    expect((await fs.readFile(indexFile(MANIFEST_FILE))).equals(before)).toBe(true);
  });

  it('saves a versioned manifest', async () => {
    const manifest = JSON.parse(await fs.readFile(indexFile(MANIFEST_FILE), 'utf8')) as Record<string, unknown>;

    expect(manifest.schemaVersion).toBe(4);
    expect(manifest.appVersion).toBe('0.1.0');
    expect(manifest.lunrVersion).toBe('2.3.9');
    expect(manifest.documentCount).toBe(7);
    expect((manifest.segments as unknown[]).length).toBe(1);
  });

  it('adds a new message after reopening', async () => {
    forgetLoadedIndexes();
    const reopened = await CaseStore.open(dir);
    await searchCase(reopened, 'falcon');
    store = reopened;

    const added = await storeAndParse(['From: Ivan <ivan@corp.example>', 'Subject: Late falcon sighting', '', 'Seen at dawn.', '']);
    const result = await searchCase(reopened, 'falcon', { allMatches: true });
    const manifest = JSON.parse(await fs.readFile(indexFile(MANIFEST_FILE), 'utf8')) as { documentCount: number };

    expect(result.sha256s).toEqual([sha.falcon, sha.lunch, added].sort());
    expect(manifest.documentCount).toBe(8);
  });

  it('keeps the added message after another reopening', async () => {
    const added = await storeAndParse(['From: Ivan <ivan@corp.example>', 'Subject: Dawn', '', 'A kestrel.', '']);
    await searchCase(store, 'kestrel');
    forgetLoadedIndexes();

    expect(await shasOf('kestrel')).toEqual([added]);
  });

  it('rebuilds when a record was removed', async () => {
    await fs.rm(store.recordPath(sha.lunch));

    expect(await shasOf('falcon')).toEqual([sha.falcon]);
  });

  it('rebuilds a corrupt manifest and says so', async () => {
    await fs.writeFile(indexFile(MANIFEST_FILE), '{"schemaVersion": 3, "segments": [');
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');

    expect(result.total).toBe(2);
    expect(result.notice).toBe(`The search index was rebuilt from the message records because the saved index was unusable (${MANIFEST_FILE} is not readable JSON).`);
  });

  it('rebuilds an index of another version and says so', async () => {
    const manifest = JSON.parse(await fs.readFile(indexFile(MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(indexFile(MANIFEST_FILE), JSON.stringify({ ...manifest, schemaVersion: 1 }));
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');
    const rebuilt = JSON.parse(await fs.readFile(indexFile(MANIFEST_FILE), 'utf8')) as { schemaVersion: number };

    expect(result.total).toBe(2);
    expect(result.notice).toBe('The search index was rebuilt from the message records because the saved index was unusable (index schema version 1 is not 4).');
    expect(rebuilt.schemaVersion).toBe(4);
  });

  it('rebuilds a damaged segment and says so', async () => {
    const segment = (await fs.readdir(store.derivedPath('index'))).find((name) => name.endsWith(".postings.bin")) ?? '';
    // The same number of bytes, so only reading the file can find the damage.
    const bytes = await fs.readFile(indexFile(segment));
    await fs.writeFile(indexFile(segment), Buffer.from(bytes.toString('latin1').replace('"fields"', '"fieldz"'), 'latin1'));
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');

    expect(result.total).toBe(2);
    expect(result.notice).toMatch(/^The search index was rebuilt .*\(segment-000000000\.postings\.bin /);
  });

  it('rebuilds a metadata table with one changed byte', async () => {
    const bytes = await fs.readFile(indexFile('documents.bin'));
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 1;
    await fs.writeFile(indexFile('documents.bin'), bytes);
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');

    expect(result.total).toBe(2);
    expect(result.notice).toMatch(/\(documents\.bin does not have the SHA-256 the manifest gives\)/);
  });

  it('rebuilds a text file with one changed byte in a line', async () => {
    forgetLoadedIndexes();
    const textFile = (await fs.readdir(store.derivedPath('index'))).find((name) => name.endsWith('.text.jsonl')) ?? '';
    const text = await fs.readFile(indexFile(textFile), 'utf8');
    await fs.writeFile(indexFile(textFile), text.replace('Falcon', 'Fa1con'));

    const result = await searchCase(store, '"project falcon"');

    expect(result.hits.map((hit) => hit.sha256)).toEqual([sha.falcon]);
    expect(result.notice).toMatch(/segment-000000000\.text\.jsonl has a damaged line for document \d+\)/);
  });

  it('rebuilds a manifest that names a file outside the index folder', async () => {
    const manifest = JSON.parse(await fs.readFile(indexFile(MANIFEST_FILE), 'utf8')) as { documentsFile: { name: string } };
    manifest.documentsFile.name = '..';
    await fs.writeFile(indexFile(MANIFEST_FILE), JSON.stringify(manifest));
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');

    expect(result.total).toBe(2);
    expect(result.notice).toMatch(/\(manifest\.json is missing fields\)/);
  });

  it('rebuilds a truncated text file found during a search', async () => {
    forgetLoadedIndexes();
    const textFile = (await fs.readdir(store.derivedPath('index'))).find((name) => name.endsWith('.text.jsonl')) ?? '';
    await fs.writeFile(indexFile(textFile), '{"texts":[');

    const result = await searchCase(store, '"project falcon"');

    expect(result.hits.map((hit) => hit.sha256)).toEqual([sha.falcon]);
    expect(result.notice).toMatch(/^The search index was rebuilt .*segment-000000000\.text\.jsonl/);
  });

  it('reports the rebuild only once', async () => {
    await fs.writeFile(indexFile(MANIFEST_FILE), 'not json');
    forgetLoadedIndexes();
    await searchCase(store, 'falcon');

    const second = await searchCase(store, 'falcon');

    expect(second.notice).toBeUndefined();
  });

  it('builds a missing index on first search without a notice', async () => {
    await fs.rm(indexFile(MANIFEST_FILE));
    forgetLoadedIndexes();

    const result = await searchCase(store, 'bluebird');

    expect(result.total).toBe(1);
    expect(result.notice).toBeUndefined();
  });
});
