import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { compileRule, domainCovers, keywordPattern, matchRule } from '../../electron/rules/match-rules.js';
import { runRules } from '../../electron/rules/run-rules.js';
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
    attachments: [createAttachment({ filename: 'bluebird-plan.pdf', contentType: 'application/pdf', size: 1, sha256: 'e'.repeat(64) })],
  });
  sha.shouting = await storeRecord('shouting', {
    from: [createAddress('', 'erin@rival.example')],
    text: 'PROJECT   FALCON is cancelled. ProjectFalcon and Bluebirds are not codewords.',
  });
  sha.nearMiss = await storeRecord('near miss', {
    from: [createAddress('', 'frank@notrival.example')],
    to: [createAddress('', 'gina@rival.example.org')],
    text: 'Project Falconry and bluebird_2 are different words.',
  });
  sha.replyTo = await storeRecord('reply-to', {
    replyTo: [createAddress('Boss', 'boss@RIVAL.EXAMPLE')],
    text: 'Watch the bluebird.',
  });
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runRules', () => {
  it('counts messages hit by each rule', async () => {
    const result = await runRules(store, rulesText);

    expect(result.rules.map((rule) => [rule.id, rule.name, rule.type, rule.hits])).toEqual([
      ['competitors', 'Mail with competitors', 'domain-list', 3],
      ['codewords', 'Internal codewords', 'keyword-list', 3],
    ]);
  });

  it('lists hit messages sorted by SHA-256', async () => {
    const result = await runRules(store, rulesText);

    expect(result.rules[0]?.messages).toEqual([sha.planted, sha.shouting, sha.replyTo].sort());
    expect(result.rules[1]?.messages).toEqual([sha.planted, sha.shouting, sha.replyTo].sort());
  });

  it('explains domain matches', async () => {
    const result = await runRules(store, rulesText);
    const details = new Map(result.rules[0]?.details.map((hit) => [hit.sha256, hit.matches]));

    expect(details.get(sha.planted)).toEqual([{ field: 'to', value: 'bob@sales.rival.example', entry: 'rival.example' }]);
    expect(details.get(sha.shouting)).toEqual([{ field: 'from', value: 'erin@rival.example', entry: 'rival.example' }]);
    expect(details.get(sha.replyTo)).toEqual([{ field: 'reply-to', value: 'boss@RIVAL.EXAMPLE', entry: 'rival.example' }]);
    expect(details.has(sha.nearMiss)).toBe(false);
  });

  it('explains keyword matches', async () => {
    const result = await runRules(store, rulesText);
    const details = new Map(result.rules[1]?.details.map((hit) => [hit.sha256, hit.matches]));

    expect(details.get(sha.planted)).toEqual([
      { field: 'body', value: 'Project\nFalcon', entry: 'Project Falcon' },
      { field: 'attachment:bluebird-plan.pdf', value: 'bluebird', entry: 'bluebird' },
    ]);
    expect(details.get(sha.shouting)).toEqual([{ field: 'body', value: 'PROJECT   FALCON', entry: 'Project Falcon' }]);
    expect(details.get(sha.replyTo)).toEqual([{ field: 'body', value: 'bluebird', entry: 'bluebird' }]);
    expect(details.has(sha.nearMiss)).toBe(false);
  });

  it('hashes the exact rule text', async () => {
    const result = await runRules(store, rulesText);

    expect(result.rulesSha256).toBe(createHash('sha256').update(rulesText).digest('hex'));
    expect(result.schemaVersion).toBe(1);
    expect(result.appVersion).toBe('0.1.0');
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
      ruleCount: 2,
      hitCount: 6,
    });
    expect(await store.custodyLog.verifyChain()).toEqual([]);
  });

  it('gives the same result twice', async () => {
    const first = await runRules(store, rulesText);
    const second = await runRules(store, rulesText);

    expect(withoutRunTime(second)).toEqual(withoutRunTime(first));
  });

  it('saves nothing for an invalid rule file', async () => {
    const entriesBefore = (await store.custodyLog.readAll()).length;

    await expect(runRules(store, '{"version": 1}')).rejects.toBeInstanceOf(MailcaseError);
    await expect(fs.stat(store.derivedPath('rules', 'latest.json'))).rejects.toThrow();
    expect((await store.custodyLog.readAll()).length).toBe(entriesBefore);
  });
});

describe('keywordPattern', () => {
  it.each([
    ['Project Falcon', 'see project falcon now', ['project falcon']],
    ['Project Falcon', 'Project\r\n\tFalcon', ['Project\r\n\tFalcon']],
    ['Project Falcon', 'ProjectFalcon', []],
    ['bluebird', 'bluebirds and bluebird.', ['bluebird']],
    ['bluebird', 'BLUEBIRD_x', []],
    ['C++', 'we use C++ daily', ['C++']],
    ['a.b', 'axb a.b', ['a.b']],
    ['(draft)', 'see (draft) copy', ['(draft)']],
    ['über', 'Grüße über alles', ['über']],
    ['über', 'darüber', []],
  ])('matches %j in %j', (keyword, text, expected) => {
    expect([...text.matchAll(keywordPattern(keyword))].map((match) => match[0])).toEqual(expected);
  });
});

describe('domainCovers', () => {
  it.each([
    ['rival.example', 'rival.example', true],
    ['sales.rival.example', 'rival.example', true],
    ['a.b.rival.example', 'rival.example', true],
    ['notrival.example', 'rival.example', false],
    ['rival.example.org', 'rival.example', false],
    ['example', 'rival.example', false],
  ])('%s under %s is %s', (domain, listed, expected) => {
    expect(domainCovers(domain, listed)).toBe(expected);
  });
});

describe('matchRule', () => {
  it('matches internationalised domains in either form', () => {
    const rule = compileRule({ id: 'idn', name: 'IDN', type: 'domain-list', domains: ['bücher.example'] });
    const record = makeRecord('f'.repeat(64), {
      from: [createAddress('', 'info@xn--bcher-kva.example')],
      cc: [createAddress('', 'sales@shop.bücher.example')],
    });

    expect(matchRule(rule, record)).toEqual([
      { field: 'from', value: 'info@xn--bcher-kva.example', entry: 'bücher.example' },
      { field: 'cc', value: 'sales@shop.bücher.example', entry: 'bücher.example' },
    ]);
  });

  it('lists a repeated match once', () => {
    const rule = compileRule({ id: 'k', name: 'K', type: 'keyword-list', keywords: ['falcon'] });
    const record = makeRecord('f'.repeat(64), { subject: 'falcon', text: 'falcon, falcon and Falcon' });

    expect(matchRule(rule, record)).toEqual([
      { field: 'subject', value: 'falcon', entry: 'falcon' },
      { field: 'body', value: 'falcon', entry: 'falcon' },
      { field: 'body', value: 'Falcon', entry: 'falcon' },
    ]);
  });
});
