// Runs the demo rule pack (the default rules plus the demo's competitors, webmail and code words) over a
// 5,000-message generated mailbox and compares every hit of a planted kind with the generator's ground truth.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMailboxGenerator, type GroundTruth } from '../../electron/demo/generate-mailbox.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import { demoPackText } from '../../electron/rules/active-rules.js';
import { asciiDomain } from '../../electron/rules/lookalike.js';
import { compileRule, matchRecord } from '../../electron/rules/match-rules.js';
import { parseRuleFile, runRules } from '../../electron/rules/run-rules.js';
import type { RuleMatch, RuleRunResult } from '../../shared/types.js';

const SEED = 20_261_204;
const COUNT = 5_000;

/** The planted kind each rule of the demo pack reports, or a function of the hit when one rule covers several kinds. */
const KIND_OF_RULE: Record<string, string | ((match: RuleMatch) => string)> = {
  'competitor-domains': 'competitor-domain',
  'competitor-lookalikes': 'lookalike-domain',
  'competitor-display-names': 'competitor-display-name',
  'personal-webmail': 'webmail',
  'forward-to-own-name': 'forward-to-own-name',
  codewords: 'codeword',
  'payment-card': 'payment-card',
  iban: 'iban',
  'us-ssn': 'ssn',
  'encrypted-archive': (match) => match.kind,
  'encrypted-document': (match) => match.kind,
  'image-attachment': 'image',
  'attachment-type-mismatch': 'type-mismatch',
  'executable-attachment': 'executable',
};

/** Planted kinds of the rules that report several attachment kinds. */
const ENCRYPTED_KINDS: Record<string, string[]> = {
  'encrypted-archive': ['encrypted-zip', 'encrypted-archive'],
  'encrypted-document': ['encrypted-pdf', 'encrypted-office'],
};

/** Rules of the demo pack that report no planted kind (they combine others), left out of the comparison. */
const UNCOMPARED_RULES = new Set(['competitor-with-attachment', 'encrypted-message']);

function domainOfAddress(address: string): string {
  return asciiDomain(address.slice(address.lastIndexOf('@') + 1));
}

/** Describes a hit the way the ground truth describes a planted item: kind, message, location, value. */
function itemKey(kind: string, messageIndex: number, match: RuleMatch): string {
  let location = match.header ?? match.field;
  if (match.area === 'body') location = 'body';
  if (match.area === 'attachment') location = match.field.split('!')[0] ?? match.field;

  let value = match.value;
  if (kind === 'competitor-domain' || kind === 'lookalike-domain') value = domainOfAddress(match.value);
  if (kind === 'codeword') value = match.entry;
  if (match.detector === 'attachments') value = location.slice('attachment:'.length);
  return JSON.stringify([kind, messageIndex, location, value]);
}

let truth: GroundTruth;
const found = new Set<string>();
const foundKinds = new Set<string>();

beforeAll(async () => {
  const generator = createMailboxGenerator({ seed: SEED, count: COUNT });
  truth = await generator.groundTruth();

  const pack = parseRuleFile(demoPackText());
  const rules = pack.rules.filter((rule) => rule.enabled && !UNCOMPARED_RULES.has(rule.id)).map(compileRule);

  for await (const message of generator.messages()) {
    const sha256 = createHash('sha256').update(message.raw).digest('hex');
    const record = await parseMessage(message.raw, { sha256, size: message.raw.length, sources: [] });
    for (const rule of rules) {
      const mapping = KIND_OF_RULE[rule.rule.id];
      if (mapping === undefined) throw new Error(`No planted kind for rule ${rule.rule.id}`);
      for (const outcome of matchRecord(rule, record)) {
        for (const match of outcome.hit?.matches ?? []) {
          const kind = typeof mapping === 'string' ? mapping : mapping(match);
          found.add(itemKey(kind, message.index, match));
          foundKinds.add(kind);
        }
      }
    }
  }
}, 1_800_000);

describe('demo pack over the generated mailbox', () => {
  it('plants every kind the rules report', () => {
    const plantedKinds = new Set(truth.planted.map((item) => item.kind));

    expect([...plantedKinds].sort()).toEqual(
      [
        'codeword',
        'competitor-display-name',
        'competitor-domain',
        'encrypted-pdf',
        'encrypted-zip',
        'executable',
        'forward-to-own-name',
        'iban',
        'image',
        'lookalike-domain',
        'payment-card',
        'ssn',
        'type-mismatch',
        'webmail',
      ].sort(),
    );
  });

  it('finds every planted item (recall 1.0)', () => {
    const missed = truth.planted
      .map((item) => JSON.stringify([item.kind, item.messageIndex, item.location, item.value]))
      .filter((key) => !found.has(key));

    expect(missed).toEqual([]);
  });

  it('reports nothing that was not planted (precision 1.0)', () => {
    const planted = new Set(truth.planted.map((item) => JSON.stringify([item.kind, item.messageIndex, item.location, item.value])));
    const extra = [...found].filter((key) => !planted.has(key));

    expect(extra).toEqual([]);
  });

  it('reports no near miss', () => {
    const reported = [...found].map((key) => JSON.parse(key) as [string, number, string, string]);
    const hitNearMisses = truth.nearMisses.filter((miss) =>
      reported.some(([kind, index, , value]) => kind === miss.kind && index === miss.messageIndex && value === miss.value),
    );

    expect(hitNearMisses).toEqual([]);
  });

  it('has near misses to test against', () => {
    expect(truth.nearMisses.length).toBeGreaterThan(0);
  });
});

describe('demo pack on a stored case', () => {
  const SMALL_COUNT = 300;
  let dir: string;
  let first: RuleRunResult;
  let second: RuleRunResult;
  let smallTruth: GroundTruth;
  const indexBySha256 = new Map<string, number>();

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-rules-gt-'));
    const store = await CaseStore.create(dir, 'rules ground truth');
    const generator = createMailboxGenerator({ seed: SEED, count: SMALL_COUNT });
    smallTruth = await generator.groundTruth();

    for await (const message of generator.messages()) {
      const writer = await store.createEvidenceWriter();
      await writer.write(message.raw);
      const { sha256 } = await writer.commit();
      indexBySha256.set(sha256, message.index);
      await store.saveRecord(await parseMessage(message.raw, { sha256, size: message.raw.length, sources: [] }));
    }

    first = await runRules(store, demoPackText());
    second = await runRules(store, demoPackText());
  }, 600_000);

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives identical records twice', () => {
    const { ranAt: _firstRanAt, ...firstRest } = first;
    const { ranAt: _secondRanAt, ...secondRest } = second;

    expect(secondRest).toEqual(firstRest);
  });

  it('hits exactly the messages planted per rule', () => {
    for (const [ruleId, mapping] of Object.entries(KIND_OF_RULE)) {
      const kinds = typeof mapping === 'string' ? [mapping] : (ENCRYPTED_KINDS[ruleId] ?? []);
      const rule = first.rules.find((item) => item.id === ruleId);
      const expected = [...new Set(smallTruth.planted.filter((item) => kinds.includes(item.kind)).map((item) => item.messageIndex))].sort((a, b) => a - b);
      const actual = (rule?.messages ?? []).map((sha256) => indexBySha256.get(sha256) ?? -1).sort((a, b) => a - b);

      expect({ ruleId, messages: actual }).toEqual({ ruleId, messages: expected });
    }
  });

  it('covers the whole evidence list', () => {
    expect(first.messageCount).toBe(SMALL_COUNT);
    expect(first.unparsed).toEqual([]);
  });
});
