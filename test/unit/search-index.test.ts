import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { INDEX_FILE_NAME, forgetLoadedIndexes, rebuildIndex, searchCase } from '../../electron/search/search-index.js';
import { MailcaseError } from '../../shared/errors.js';
import { createAddress, createAttachment, createEmptyRecord, type MessageRecord } from '../../shared/types.js';

let dir: string;
let store: CaseStore;
const sha: Record<'falcon' | 'lunch' | 'pricing' | 'other', string> = { falcon: '', lunch: '', pricing: '', other: '' };

const PRICING_BODY = `Intro ${'filler '.repeat(30)}The pricing model changed. ${'tail '.repeat(30)}`;

async function storeMessage(label: string): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(Buffer.from(`Subject: ${label}\r\n\r\nplaceholder evidence for ${label}\r\n`));
  return (await writer.commit()).sha256;
}

function makeRecord(sha256: string, fields: Partial<MessageRecord>): MessageRecord {
  return { ...createEmptyRecord(sha256, 100), ...fields };
}

function indexFile(): string {
  return store.derivedPath('index', INDEX_FILE_NAME);
}

async function expectSyntaxError(query: string): Promise<MailcaseError> {
  const error = await searchCase(store, query).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MailcaseError);
  return error as MailcaseError;
}

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-search-'));
  store = await CaseStore.create(dir, 'search test');

  sha.falcon = await storeMessage('falcon');
  sha.lunch = await storeMessage('lunch');
  sha.pricing = await storeMessage('pricing');
  sha.other = await storeMessage('other');

  await store.saveRecord(
    makeRecord(sha.falcon, {
      date: '2024-03-05T13:30:00.000Z',
      subject: 'Falcon pricing for Q3',
      from: [createAddress('Alice Example', 'alice@corp.example')],
      to: [createAddress('Bob Buyer', 'bob@sales.rival.example')],
      text: 'Here are the numbers for Project\nFalcon that we discussed.',
      attachments: [createAttachment({ filename: 'q3-report.pdf', contentType: 'application/pdf', size: 10, sha256: 'c'.repeat(64) })],
    }),
  );
  await store.saveRecord(
    makeRecord(sha.lunch, {
      subject: 'Lunch on Friday',
      from: [createAddress('', 'bob@sales.rival.example')],
      to: [createAddress('', 'alice@corp.example')],
      text: 'A falcon is a bird. Shall we meet at noon?',
    }),
  );
  await store.saveRecord(
    makeRecord(sha.pricing, {
      subject: 'Quarterly pricing',
      from: [createAddress('Carol', 'carol@corp.example')],
      cc: [createAddress('Dave', 'dave@partner.example')],
      text: PRICING_BODY,
      attachments: [createAttachment({ filename: 'pricing-model.xlsx', contentType: 'application/vnd.ms-excel', size: 20, sha256: 'd'.repeat(64) })],
    }),
  );
  await store.saveRecord(
    makeRecord(sha.other, {
      subject: 'Unrelated',
      from: [createAddress('Erin', 'erin@other.example')],
      cc: [createAddress('Jürgen Müller', 'juergen@partner.example')],
      text: 'Nothing to see here, a bluebird is singing. Привет из Москвы.',
    }),
  );
  await rebuildIndex(store);
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('searchCase', () => {
  it.each([
    ['falcon', 2],
    ['pricing', 2],
    ['subject:pricing', 2],
    ['subject:falcon', 1],
    ['body:falcon', 2],
    ['from:rival', 1],
    ['to:rival.example', 1],
    ['from:bob@sales.rival.example', 1],
    ['cc:partner', 2],
    ['cc:jürgen', 1],
    ['привет', 1],
    ['attachment:pdf', 1],
    ['attachment:pricing', 1],
    ['falcon pricing', 3],
    ['+falcon +pricing', 1],
    ['"falcon pricing"', 1],
    ['"the falcon"', 2],
    ['-falcon pricing', 1],
    ['blue*', 1],
    ['pric*', 2],
    ['falcn~1', 2],
    ['nothingmatches', 0],
    ['   ', 0],
  ])('counts hits for %s', async (query, total) => {
    const result = await searchCase(store, query);

    expect(result.total).toBe(total);
  });

  it('ranks the subject and body match first', async () => {
    const result = await searchCase(store, 'falcon');

    expect(result.hits.map((hit) => hit.sha256)).toEqual([sha.falcon, sha.lunch]);
  });

  it('fills a hit from its record', async () => {
    const result = await searchCase(store, 'subject:falcon');
    const hit = result.hits[0];

    expect(hit?.sha256).toBe(sha.falcon);
    expect(hit?.date).toBe('2024-03-05T13:30:00.000Z');
    expect(hit?.from).toBe('Alice Example <alice@corp.example>');
    expect(hit?.subject).toBe('Falcon pricing for Q3');
    expect(hit?.score).toBeGreaterThan(0);
  });

  it('shows a bare address when there is no name', async () => {
    const result = await searchCase(store, 'subject:lunch');

    expect(result.hits[0]?.from).toBe('bob@sales.rival.example');
  });

  it('builds a snippet around the first body match', async () => {
    const result = await searchCase(store, 'subject:quarterly body:pricing');
    const start = PRICING_BODY.indexOf('pricing model') - 80;
    const end = PRICING_BODY.indexOf('pricing model') + 'pricing'.length + 80;

    expect(result.hits[0]?.snippet).toBe(`…${PRICING_BODY.slice(start, end).trim()}…`);
  });

  it('collapses line breaks in a short snippet', async () => {
    const result = await searchCase(store, 'subject:falcon');

    expect(result.hits[0]?.snippet).toBe('Here are the numbers for Project Falcon that we discussed.');
  });

  it('limits hits but counts every match', async () => {
    const result = await searchCase(store, 'falcon', { limit: 1 });

    expect(result.total).toBe(2);
    expect(result.hits.length).toBe(1);
  });

  it('reuses the saved index after reopening', async () => {
    const before = await fs.stat(indexFile());
    const bytesBefore = await fs.readFile(indexFile());
    forgetLoadedIndexes();

    const reopened = await CaseStore.open(dir);
    const result = await searchCase(reopened, 'falcon');
    const after = await fs.stat(indexFile());

    expect(result.total).toBe(2);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect((await fs.readFile(indexFile())).equals(bytesBefore)).toBe(true);
  });

  it('saves a versioned index with short refs', async () => {
    const saved = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as Record<string, unknown>;

    expect(saved.schemaVersion).toBe(1);
    expect(saved.appVersion).toBe('0.1.0');
    expect(saved.lunrVersion).toBe('2.3.9');
    expect(saved.refs).toEqual([sha.falcon, sha.lunch, sha.pricing, sha.other].sort());
    expect((saved.index as { fieldVectors: [string, unknown][] }).fieldVectors[0]?.[0]).toBe('subject/0');
  });

  it('rebuilds a corrupt index', async () => {
    await fs.writeFile(indexFile(), '{"schemaVersion": 1, "refs": [');
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');
    const saved = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as { schemaVersion: number };

    expect(result.total).toBe(2);
    expect(saved.schemaVersion).toBe(1);
  });

  it('rebuilds an index of another version', async () => {
    const saved = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(indexFile(), JSON.stringify({ ...saved, schemaVersion: 0, refs: [] }));
    forgetLoadedIndexes();

    const result = await searchCase(store, 'falcon');
    const rebuilt = JSON.parse(await fs.readFile(indexFile(), 'utf8')) as { schemaVersion: number; refs: string[] };

    expect(result.total).toBe(2);
    expect(rebuilt.schemaVersion).toBe(1);
    expect(rebuilt.refs.length).toBe(4);
  });

  it('rebuilds when a record was added', async () => {
    const added = await storeMessage('late');
    await store.saveRecord(makeRecord(added, { subject: 'Late falcon sighting' }));

    const result = await searchCase(store, 'falcon');

    expect(result.total).toBe(3);
  });

  it('builds a missing index on first search', async () => {
    await fs.rm(indexFile());
    forgetLoadedIndexes();

    const result = await searchCase(store, 'bluebird');

    expect(result.total).toBe(1);
    expect((await fs.stat(indexFile())).isFile()).toBe(true);
  });
});

describe('searchCase query errors', () => {
  it.each([
    ['subject:', { position: 0, start: 0, end: 7 }],
    ['foo~x', { position: 4, start: 4, end: 4 }],
    ['nofield:x', { position: 0, start: 0, end: 7 }],
    ['"falcon pricing', { position: 0, start: 0, end: 1 }],
    ['falcon~5', { position: 6, start: 6, end: 8 }],
    ['"falcon pricing" subject:', { position: 17, start: 17, end: 24 }],
  ])('reports the position for %s', async (query, details) => {
    const error = await expectSyntaxError(query);

    expect(error.code).toBe('QUERY_SYNTAX');
    expect(error.details).toEqual(details);
  });

  it('says what was expected', async () => {
    const error = await expectSyntaxError('subject:');

    expect(error.message).toBe('Invalid search query at character 1: expecting term, found nothing');
  });

  it('rejects a query over the length limit', async () => {
    const error = await expectSyntaxError('a '.repeat(1001));

    expect(error.code).toBe('QUERY_SYNTAX');
  });
});
