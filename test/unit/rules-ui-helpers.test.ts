import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { contextOf, recordOfHit, textOfMatch } from '../../renderer/src/features/rules/hit-context.js';
import { checkPackText, packFileName, setRuleEnabled } from '../../renderer/src/features/rules/pack-text.js';
import { RuleResultView } from '../../renderer/src/features/rules/RuleResultView.js';
import { createEmptyRecord, type RuleMatch, type RuleResult } from '../../shared/types.js';

const BODY_MATCH: RuleMatch = {
  detector: 'keywords',
  kind: 'keywords',
  field: 'body',
  area: 'body',
  header: null,
  partPath: '1',
  member: null,
  start: 4,
  end: 10,
  value: 'Falcon',
  entry: 'Falcon',
  confidence: 'medium',
  decoding: null,
  explanation: '',
};

describe('hit context', () => {
  it('cuts the context around a body hit', () => {
    const record = { ...createEmptyRecord('a'.repeat(64), 1), text: 'The Falcon plan' };

    const text = textOfMatch(record, BODY_MATCH);

    expect(text).toBe('The Falcon plan');
    expect(contextOf(text ?? '', BODY_MATCH, 3)).toEqual({ before: '…he ', match: 'Falcon', after: ' pl…' });
  });

  it('rejects offsets that no longer fit the text', () => {
    expect(contextOf('The Eagle plan', BODY_MATCH)).toBe(null);
  });

  it('finds an embedded record by its path', () => {
    const inner = { ...createEmptyRecord('b'.repeat(64), 1), parent: { sha256: 'a'.repeat(64), partPath: '2' }, subject: 'inner' };
    const outer = { ...createEmptyRecord('a'.repeat(64), 1), embedded: [inner] };

    expect(recordOfHit(outer, { embeddedPath: '2' })?.subject).toBe('inner');
    expect(recordOfHit(outer, { embeddedPath: '3' })).toBe(null);
  });
});

describe('pack text', () => {
  const text = JSON.stringify({ version: 2, name: 'Case X rules', rules: [{ id: 'cards', name: 'Cards', condition: { type: 'payment-card' } }] });

  it('reports a valid pack', () => {
    const check = checkPackText(text);

    expect(check.state).toBe('valid');
  });

  it('reports JSON errors as one issue', () => {
    expect(checkPackText('{"version": 2,')).toEqual({ state: 'invalid', issues: [{ path: '(file)', message: expect.stringMatching(/^Not valid JSON: /) as string }] });
  });

  it('turns a rule off', () => {
    const changed = checkPackText(setRuleEnabled(text, 0, false));

    expect(changed.state === 'valid' ? changed.pack.rules[0]?.enabled : null).toBe(false);
  });

  it('names the export file after the pack', () => {
    expect(packFileName('Case X rules')).toBe('case-x-rules.json');
    expect(packFileName('***')).toBe('rules.json');
  });
});

describe('RuleResultView', () => {
  it('renders hits with their explanation', () => {
    const rule: RuleResult = {
      id: 'codewords',
      name: 'Code words',
      version: 3,
      severity: 'high',
      tags: ['codeword'],
      type: 'keywords',
      enabled: true,
      hits: 1,
      messages: ['a'.repeat(64)],
      details: [{ sha256: 'a'.repeat(64), embeddedPath: null, embeddedSha256: null, matches: [{ ...BODY_MATCH, explanation: 'The keyword "Falcon" appears in the body text.' }] }],
      aborted: [],
    };

    const html = renderToStaticMarkup(createElement(RuleResultView, { caseDir: '/cases/x', rule, onOpenMessage: () => undefined }));

    expect(html).toContain('The keyword &quot;Falcon&quot; appears in the body text.');
    expect(html).toContain('data-rule-id="codewords"');
    expect(html).toContain('1 hit');
  });
});
