import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { loadReviewStates } from '../../electron/review/review-store.js';
import { checkNewMail, defaultPackText, runActiveRules } from '../../electron/rules/active-rules.js';
import { evidenceListSha256, runRecordContentSha256, runRules } from '../../electron/rules/run-rules.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { createAddress, createAttachment, createEmptyRecord, type MessageRecord, type RuleRunResult } from '../../shared/types.js';

const RULES_FILE = path.resolve('test/fixtures/rules/competitors-codewords.json');

let rulesText = '';
let dir: string;
let store: CaseStore;
const sha: Record<'planted' | 'shouting' | 'nearMiss' | 'replyTo', string> = { planted: '', shouting: '', nearMiss: '', replyTo: '' };

function makeRecord(sha256: string, fields: Partial<MessageRecord>): MessageRecord {
  return { ...createEmptyRecord(sha256, 100), ...fields };
}

async function storeRecord(label: string, fields: Partial<MessageRecord>): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(Buffer.from(`Subject: ${label}\r\n\r\nplaceholder evidence\r\n`));
  const { sha256 } = await writer.commit();
  await store.saveRecord(makeRecord(sha256, fields));
  return sha256;
}

function withoutRunTime(result: RuleRunResult): Omit<RuleRunResult, 'ranAt'> {
  const { ranAt: _ranAt, ...rest } = result;
  return rest;
}

function pack(rules: unknown[]): string {
  return JSON.stringify({ version: 2, name: 'Test pack', rules });
}

beforeAll(async () => {
  rulesText = await fs.readFile(RULES_FILE, 'utf8');
});

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-rules-'));
  store = await CaseStore.create(dir, 'rules test');

  sha.planted = await storeRecord('planted', {
    subject: 'Falcon pricing',
    from: [createAddress('Alice', 'alice@corp.example')],
    to: [createAddress('Bob', 'bob@sales.rival.example')],
    cc: [createAddress('Jürgen', 'juergen@partner.example')],
    text: 'Numbers for Project\nFalcon attached.',
    textPartPath: '1',
    attachments: [createAttachment({ filename: 'bluebird-plan.pdf', contentType: 'application/pdf', size: 1, sha256: 'e'.repeat(64) })],
  });
  sha.shouting = await storeRecord('shouting', {
    from: [createAddress('', 'erin@rival.example')],
    text: 'PROJECT   FALCON is cancelled. ProjectFalcon and Bluebirds are not codewords.',
    textPartPath: '1',
  });
  sha.nearMiss = await storeRecord('near miss', {
    from: [createAddress('', 'frank@notrival.example')],
    to: [createAddress('', 'gina@rival.example.org')],
    text: 'Project Falconry and bluebird_2 are different words.',
    textPartPath: '1',
  });
  sha.replyTo = await storeRecord('reply-to', {
    replyTo: [createAddress('Boss', 'boss@RIVAL.EXAMPLE')],
    text: 'Watch the bluebird.',
    textPartPath: '1',
  });
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runRules', () => {
  it('runs a version 1 rule file converted', async () => {
    const result = await runRules(store, rulesText);

    expect(result.rules.map((rule) => [rule.id, rule.name, rule.type, rule.version, rule.severity, rule.hits])).toEqual([
      ['competitors', 'Mail with competitors', 'domains', 1, 'medium', 3],
      ['codewords', 'Internal codewords', 'keywords', 1, 'medium', 3],
    ]);
  });

  it('lists hit messages sorted by SHA-256', async () => {
    const result = await runRules(store, rulesText);

    expect(result.rules[0]?.messages).toEqual([sha.planted, sha.shouting, sha.replyTo].sort());
    expect(result.rules[1]?.messages).toEqual([sha.planted, sha.shouting, sha.replyTo].sort());
  });

  it('explains domain matches', async () => {
    const result = await runRules(store, rulesText);
    const details = new Map(result.rules[0]?.details.map((hit) => [hit.sha256, hit.matches.map((match) => [match.field, match.value, match.entry, match.explanation])]));

    expect(details.get(sha.planted)).toEqual([
      ['to', 'bob@sales.rival.example', 'rival.example', 'The To address "bob@sales.rival.example" is in sales.rival.example, a subdomain of the listed domain rival.example.'],
    ]);
    expect(details.get(sha.shouting)).toEqual([['from', 'erin@rival.example', 'rival.example', 'The From address "erin@rival.example" is in the listed domain rival.example.']]);
    expect(details.get(sha.replyTo)).toEqual([['reply-to', 'boss@RIVAL.EXAMPLE', 'rival.example', 'The Reply-To address "boss@RIVAL.EXAMPLE" is in the listed domain rival.example.']]);
    expect(details.has(sha.nearMiss)).toBe(false);
  });

  it('explains keyword matches with offsets', async () => {
    const result = await runRules(store, rulesText);
    const details = new Map(result.rules[1]?.details.map((hit) => [hit.sha256, hit.matches.map((match) => [match.field, match.partPath, match.start, match.end, match.value, match.entry])]));

    expect(details.get(sha.planted)).toEqual([
      ['body', '1', 12, 26, 'Project\nFalcon', 'Project Falcon'],
      ['filename:bluebird-plan.pdf', '2', 0, 8, 'bluebird', 'bluebird'],
    ]);
    expect(details.get(sha.shouting)).toEqual([['body', '1', 0, 16, 'PROJECT   FALCON', 'Project Falcon']]);
    expect(details.get(sha.replyTo)).toEqual([['body', '1', 10, 18, 'bluebird', 'bluebird']]);
    expect(details.has(sha.nearMiss)).toBe(false);
  });

  it('hashes the exact rule text and the evidence list', async () => {
    const result = await runRules(store, rulesText);
    const evidence = [sha.planted, sha.shouting, sha.nearMiss, sha.replyTo].sort();

    expect(result.rulesSha256).toBe(createHash('sha256').update(rulesText).digest('hex'));
    expect(result.evidenceSha256).toBe(createHash('sha256').update(evidence.map((hash) => `${hash}\n`).join('')).digest('hex'));
    expect(result.messageCount).toBe(4);
    expect(result.schemaVersion).toBe(2);
    expect(result.appVersion).toBe('0.1.0');
    expect(result.packName).toBe('Rules');
  });

  it('states its own hash', async () => {
    const result = await runRules(store, rulesText);
    const { ranAt: _ranAt, contentSha256: _hash, ...rest } = result;

    expect(result.contentSha256).toBe(createHash('sha256').update(canonicalJson(rest)).digest('hex'));
    expect(runRecordContentSha256(result)).toBe(result.contentSha256);
  });

  it('saves latest.json and logs custody', async () => {
    const result = await runRules(store, rulesText);
    const saved = await fs.readFile(store.derivedPath('rules', 'latest.json'));
    const entries = await store.custodyLog.readAll();
    const last = entries.at(-1);

    expect(JSON.parse(saved.toString('utf8'))).toEqual(result);
    expect(last?.type).toBe('rules-run');
    expect(last?.data).toEqual({
      rulesSha256: result.rulesSha256,
      recordSha256: createHash('sha256').update(saved).digest('hex'),
      contentSha256: result.contentSha256,
      evidenceSha256: result.evidenceSha256,
      ruleCount: 2,
      hitCount: 6,
    });
    expect(await store.custodyLog.verifyChain()).toEqual([]);
  });

  it('gives the same record twice', async () => {
    const first = await runRules(store, rulesText);
    const second = await runRules(store, rulesText);

    expect(withoutRunTime(second)).toEqual(withoutRunTime(first));
    expect(second.contentSha256).toBe(first.contentSha256);
  });

  it('changes the record hash when the evidence changes', async () => {
    const first = await runRules(store, rulesText);
    await storeRecord('another', { text: 'nothing here' });
    const second = await runRules(store, rulesText);

    expect(second.evidenceSha256).not.toBe(first.evidenceSha256);
    expect(second.contentSha256).not.toBe(first.contentSha256);
  });

  it('saves nothing for an invalid rule file', async () => {
    const entriesBefore = (await store.custodyLog.readAll()).length;

    await expect(runRules(store, '{"version": 1}')).rejects.toBeInstanceOf(MailcaseError);
    await expect(fs.stat(store.derivedPath('rules', 'latest.json'))).rejects.toThrow();
    expect((await store.custodyLog.readAll()).length).toBe(entriesBefore);
  });

  it('lists unparsed messages', async () => {
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('Subject: unparsed\r\n\r\nx\r\n'));
    const { sha256 } = await writer.commit();

    const result = await runRules(store, rulesText);

    expect(result.unparsed).toEqual([sha256]);
    expect(result.messageCount).toBe(5);
  });

  it('adds rule tags once', async () => {
    const text = pack([{ id: 'rival', name: 'Rival', tags: ['competitor', 'review'], condition: { type: 'domains', domains: ['rival.example'] } }]);

    await runRules(store, text);
    await runRules(store, text);
    const states = await loadReviewStates(store);
    const tagEntries = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'review-tag-added');

    expect(states.get(sha.shouting)?.tags).toEqual(['competitor', 'review']);
    expect(states.get(sha.nearMiss)).toBe(undefined);
    expect(tagEntries.length).toBe(6);
  });

  it('lists a disabled rule without running it', async () => {
    const result = await runRules(store, pack([{ id: 't', name: 'Template', enabled: false, condition: { type: 'domains', domains: ['rival.example'] } }]));

    expect(result.rules[0]?.enabled).toBe(false);
    expect(result.rules[0]?.hits).toBe(0);
  });

  it('combines a detector with NOT', async () => {
    const text = pack([
      {
        id: 'rival-without-bluebird',
        name: 'Rival without bluebird',
        condition: { type: 'all', of: [{ type: 'domains', domains: ['rival.example'] }, { type: 'not', condition: { type: 'keywords', keywords: ['bluebird'] } }] },
      },
    ]);

    const result = await runRules(store, text);

    expect(result.rules[0]?.type).toBe('domains AND NOT keywords');
    expect(result.rules[0]?.messages).toEqual([sha.shouting]);
  });

  it('uses a search query as a condition', async () => {
    const text = pack([{ id: 'q', name: 'Query', condition: { type: 'any', of: [{ type: 'query', query: 'falconry' }, { type: 'keywords', keywords: ['nothing-such'] }] } }]);

    const result = await runRules(store, text);

    expect(result.rules[0]?.messages).toEqual([sha.nearMiss]);
    expect(result.rules[0]?.details[0]?.matches[0]?.explanation).toBe('The message matches the search query "falconry".');
  });

  it('finds hits in embedded messages', async () => {
    const inner = makeRecord('a'.repeat(64), { from: [createAddress('', 'x@rival.example')], parent: { sha256: '', partPath: '2' } });
    const outer = await storeRecord('outer', { subject: 'Fwd: see attached', embedded: [inner] });

    const result = await runRules(store, pack([{ id: 'rival', name: 'Rival', condition: { type: 'domains', domains: ['rival.example'] } }]));
    const hit = result.rules[0]?.details.find((detail) => detail.sha256 === outer);

    expect(hit?.embeddedPath).toBe('2');
    expect(hit?.embeddedSha256).toBe('a'.repeat(64));
    expect(hit?.matches.map((match) => match.value)).toEqual(['x@rival.example']);
  });
});

describe('runActiveRules', () => {
  it('runs the default pack when the case has none', async () => {
    const result = await runActiveRules(store);

    expect(result.rulesSha256).toBe(createHash('sha256').update(defaultPackText()).digest('hex'));
    expect(result.packName).toBe('Mailcase default rules');
    expect(result.rules.filter((rule) => rule.enabled).map((rule) => rule.id)).toEqual([
      'attachment-type-mismatch',
      'encrypted-archive',
      'encrypted-document',
      'encrypted-message',
      'image-attachment',
      'executable-attachment',
      'payment-card',
      'iban',
      'us-ssn',
    ]);
  });

  it('runs the saved pack of the case', async () => {
    await fs.mkdir(path.join(dir, 'rules'), { recursive: true });
    await fs.writeFile(path.join(dir, 'rules', 'active-rules.json'), rulesText);

    const result = await runActiveRules(store);

    expect(result.rulesSha256).toBe(createHash('sha256').update(rulesText).digest('hex'));
  });
});

describe('checkNewMail', () => {
  it('logs instead of throwing for a broken saved pack', async () => {
    await fs.mkdir(path.join(dir, 'rules'), { recursive: true });
    await fs.writeFile(path.join(dir, 'rules', 'active-rules.json'), '{"version": 2, "rules": [{}]}');

    await expect(checkNewMail(store)).resolves.toBe(null);
  });

  it('tags new mail with the active rules', async () => {
    const text = pack([{ id: 'rival', name: 'Rival', tags: ['competitor'], condition: { type: 'domains', domains: ['rival.example'] } }]);
    await fs.mkdir(path.join(dir, 'rules'), { recursive: true });
    await fs.writeFile(path.join(dir, 'rules', 'active-rules.json'), text);
    await runActiveRules(store);

    const added = await storeRecord('new arrival', { from: [createAddress('', 'new@rival.example')] });
    const result = await checkNewMail(store);
    const states = await loadReviewStates(store);

    expect(result?.rules[0]?.messages.includes(added)).toBe(true);
    expect(states.get(added)?.tags).toEqual(['competitor']);
  });
});

describe('evidenceListSha256', () => {
  it('sorts before hashing', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);

    expect(evidenceListSha256([b, a])).toBe(createHash('sha256').update(`${a}\n${b}\n`).digest('hex'));
  });
});
