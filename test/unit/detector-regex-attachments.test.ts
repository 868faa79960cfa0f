import { describe, expect, it } from 'vitest';

import { compileRegexDetector, runRegexDetector } from '../../electron/rules/detect-regex.js';
import { compileRule, matchRule } from '../../electron/rules/match-rules.js';
import { validateRuleFile } from '../../shared/rules-schema.js';
import type { PackRule, RegexCondition } from '../../shared/rules-types.js';
import { createAttachment, createEmptyRecord, type AttachmentSummary, type MessageRecord, type RuleMatch } from '../../shared/types.js';

const SHA = 'e'.repeat(64);

function rule(condition: unknown): PackRule {
  const checked = validateRuleFile({ version: 2, rules: [{ id: 'r', name: 'R', condition }] });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const first = checked.ruleFile.rules[0];
  if (first === undefined) throw new Error('no rule');
  return first;
}

function outcome(condition: unknown, fields: Partial<MessageRecord>) {
  const target = { record: { ...createEmptyRecord(SHA, 100), textPartPath: '1', ...fields }, evidenceSha256: SHA, embeddedPath: null };
  return matchRule(compileRule(rule(condition)), target);
}

function matches(condition: unknown, fields: Partial<MessageRecord>): RuleMatch[] {
  return outcome(condition, fields).hit?.matches ?? [];
}

describe('regex detector', () => {
  it('reports each match with offsets', () => {
    const found = matches({ type: 'regex', pattern: 'PO-\\d{5}' }, { subject: 'po-12345', text: 'see PO-54321 and PO-1' });

    expect(found.map((match) => [match.field, match.start, match.end, match.value])).toEqual([
      ['subject', 0, 8, 'po-12345'],
      ['body', 4, 12, 'PO-54321'],
    ]);
    expect(found[1]?.explanation).toBe('The pattern /PO-\\d{5}/ matches "PO-54321" in the body text (MIME part 1) at characters 4-12.');
  });

  it('aborts a catastrophic pattern on one message', () => {
    const result = outcome({ type: 'regex', pattern: '(a+)+$', flags: '' }, { text: `${'a'.repeat(40)}b` });

    expect(result.hit).toBe(null);
    expect(result.aborted).toEqual([{ sha256: SHA, embeddedPath: null, reason: 'The pattern ran longer than 250 ms on this message and was stopped.' }]);
  });

  it('keeps working after an abort', () => {
    const condition = rule({ type: 'regex', pattern: '(a+)+$', flags: '' }).condition as RegexCondition;
    const detector = compileRegexDetector(condition);
    const slow = { ...createEmptyRecord(SHA, 1), text: `${'a'.repeat(40)}b` };
    const fast = { ...createEmptyRecord(SHA, 1), text: 'aaa' };

    const first = runRegexDetector(detector, slow, 10, 50);
    const second = runRegexDetector(detector, fast, 10, 50);

    expect(first.aborted).toBe('The pattern ran longer than 50 ms on this message and was stopped.');
    expect(second.matches.map((match) => match.value)).toEqual(['aaa']);
  });

  it('steps over empty matches', () => {
    const found = matches({ type: 'regex', pattern: 'x*', in: ['body'] }, { text: 'axxb' });

    expect(found.map((match) => [match.start, match.value])).toEqual([
      [0, ''],
      [1, 'xx'],
      [3, ''],
      [4, ''],
    ]);
  });
});

function attachment(fields: Partial<AttachmentSummary> & { filename: string; partPath: string }): AttachmentSummary {
  return createAttachment({ contentType: 'application/octet-stream', size: 100, sha256: 'f'.repeat(64), ...fields });
}

describe('attachments detector', () => {
  const mismatch = attachment({
    filename: 'report.pdf',
    partPath: '2',
    contentType: 'application/pdf',
    truth: { declaredType: 'application/pdf', extension: 'pdf', detected: { ext: 'png', mime: 'image/png' }, mismatch: true, mismatchReason: 'Named .pdf but the bytes are PNG.' },
    flags: [
      { kind: 'type-mismatch', location: '2', detail: 'Named .pdf but the bytes are PNG.' },
      { kind: 'image', location: '2', detail: 'PNG image.' },
    ],
  });
  const archive = attachment({
    filename: 'docs.zip',
    partPath: '3',
    flags: [
      { kind: 'encrypted-zip', location: '3', detail: 'ZIP with encrypted members.' },
      { kind: 'executable', location: '3!tools/run.exe', detail: 'PE executable.' },
    ],
  });
  const big = attachment({ filename: 'big.bin', partPath: '4', size: 5_000 });
  const fields = { attachments: [mismatch, archive, big], flags: [...mismatch.flags, ...archive.flags] };

  it('reports each kind asked for once per location', () => {
    const found = matches({ type: 'attachments', maxSize: 1_000 }, fields);

    expect(found.map((match) => [match.kind, match.field, match.partPath, match.member])).toEqual([
      ['type-mismatch', 'attachment:report.pdf', '2', null],
      ['encrypted-zip', 'attachment:docs.zip', '3', null],
      ['image', 'attachment:report.pdf', '2', null],
      ['executable', 'attachment:docs.zip!tools/run.exe', '3', 'tools/run.exe'],
      ['size-over', 'attachment:big.bin', '4', null],
    ]);
  });

  it('explains a type mismatch with the truth table reason', () => {
    const found = matches({ type: 'attachments', kinds: ['type-mismatch'] }, fields);

    expect(found[0]?.explanation).toBe(
      'The attachment "report.pdf" (MIME part 2) is flagged because its true type differs from its name or declared type: Named .pdf but the bytes are PNG.',
    );
  });

  it('skips archive members when asked', () => {
    const found = matches({ type: 'attachments', kinds: ['executable'], inArchives: false }, fields);

    expect(found).toEqual([]);
  });

  it('finds an encrypted message body', () => {
    const found = matches({ type: 'attachments', kinds: ['encrypted-message'] }, { flags: [{ kind: 'pgp-encrypted', location: '1', detail: 'OpenPGP encrypted body.' }] });

    expect(found.map((match) => [match.kind, match.field, match.area])).toEqual([['encrypted-message', 'message', 'message']]);
  });
});
