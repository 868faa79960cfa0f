import { describe, expect, it } from 'vitest';

import { domainCovers, editDistanceUpToOne, lookalikeTechnique, prepareListedDomain, skeleton } from '../../electron/rules/lookalike.js';
import { compileRule, matchRule } from '../../electron/rules/match-rules.js';
import { validateRuleFile } from '../../shared/rules-schema.js';
import type { PackRule } from '../../shared/rules-types.js';
import { createAddress, createEmptyRecord, type AddressEntry, type MessageRecord, type RuleMatch } from '../../shared/types.js';

const SHA = 'b'.repeat(64);
const SUSPECT = 'daniel.keller@halvorsen-instruments.example';

function rule(condition: unknown): PackRule {
  const checked = validateRuleFile({ version: 2, rules: [{ id: 'r', name: 'R', condition }] });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const first = checked.ruleFile.rules[0];
  if (first === undefined) throw new Error('no rule');
  return first;
}

function matches(condition: unknown, fields: Partial<MessageRecord>): RuleMatch[] {
  const target = { record: { ...createEmptyRecord(SHA, 100), ...fields }, evidenceSha256: SHA, embeddedPath: null };
  return matchRule(compileRule(rule(condition)), target).hit?.matches ?? [];
}

function brief(found: RuleMatch[]): [string, string, string, string][] {
  return found.map((match) => [match.kind, match.field, match.value, match.entry]);
}

/** Returns an address the way the parser records an internationalised domain: ASCII punycode and decoded Unicode. */
function idnAddress(local: string, ascii: string, unicode: string, name = ''): AddressEntry {
  return { name, address: `${local}@${unicode}`, domainAscii: ascii, domainUnicode: unicode };
}

const COMPETITORS = { type: 'domains', domains: ['norwind.example', 'sableridge.example'], names: ['Norwind Technologies'] };

describe('domains detector', () => {
  it('reads all seven address headers', () => {
    const found = matches(COMPETITORS, {
      from: [createAddress('', 'a@norwind.example')],
      sender: [createAddress('', 'b@norwind.example')],
      to: [createAddress('', 'c@norwind.example')],
      cc: [createAddress('', 'd@norwind.example')],
      bcc: [createAddress('', 'e@norwind.example')],
      replyTo: [createAddress('', 'f@norwind.example')],
      returnPath: [createAddress('', 'g@mail.sableridge.example')],
    });

    expect(brief(found)).toEqual([
      ['domain', 'from', 'a@norwind.example', 'norwind.example'],
      ['domain', 'sender', 'b@norwind.example', 'norwind.example'],
      ['domain', 'to', 'c@norwind.example', 'norwind.example'],
      ['domain', 'cc', 'd@norwind.example', 'norwind.example'],
      ['domain', 'bcc', 'e@norwind.example', 'norwind.example'],
      ['domain', 'reply-to', 'f@norwind.example', 'norwind.example'],
      ['domain', 'return-path', 'g@mail.sableridge.example', 'sableridge.example'],
    ]);
  });

  it('ignores a domain that merely ends with the name', () => {
    const found = matches(COMPETITORS, { to: [createAddress('', 'x@notnorwind.example'), createAddress('', 'y@norwind.example.org'), createAddress('', 'z@norwind-partners.example')] });

    expect(found).toEqual([]);
  });

  it('finds each look-alike technique', () => {
    const found = matches(COMPETITORS, {
      to: [
        createAddress('', 'a@norvind.example'),
        createAddress('', 'b@nowrind.example'),
        createAddress('', 'c@n0rwind.example'),
        idnAddress('d', 'xn--nrwind-wqf.example', 'n\u043erwind.example'),
        createAddress('', 'e@norwind.test'),
        createAddress('', 'f@sableridg.example'),
        createAddress('', 'g@mail.sab1eridge.example'),
      ],
    });

    expect(found.map((match) => [match.kind, match.value, match.entry])).toEqual([
      ['lookalike', 'a@norvind.example', 'norwind.example'],
      ['lookalike', 'b@nowrind.example', 'norwind.example'],
      ['lookalike', 'c@n0rwind.example', 'norwind.example'],
      ['lookalike', 'd@n\u043erwind.example', 'norwind.example'],
      ['lookalike', 'e@norwind.test', 'norwind.example'],
      ['lookalike', 'f@sableridg.example', 'sableridge.example'],
      ['lookalike', 'g@mail.sab1eridge.example', 'sableridge.example'],
    ]);
  });

  it('explains a punycode look-alike in both forms', () => {
    const found = matches(COMPETITORS, { from: [idnAddress('d', 'xn--nrwind-wqf.example', 'n\u043erwind.example')] });

    expect(found[0]?.explanation).toBe(
      'The From address "d@n\u043erwind.example" is in n\u043erwind.example (written xn--nrwind-wqf.example), which imitates the listed domain norwind.example by look-alike Unicode characters (confusable-unicode).',
    );
  });

  it('finds a display name naming a listed company', () => {
    const found = matches(COMPETITORS, {
      from: [createAddress('Erik (Norwind Technologies)', 'erik.s@freemail.example')],
      to: [createAddress('Norwind Technologies', 'careers@norwind.example')],
      cc: [createAddress('sableridge.example desk', 'desk@postbox.example')],
    });

    expect(brief(found)).toEqual([
      ['display-name', 'from', 'Erik (Norwind Technologies)', 'Norwind Technologies'],
      ['domain', 'to', 'careers@norwind.example', 'norwind.example'],
      ['display-name', 'cc', 'sableridge.example desk', 'sableridge.example'],
    ]);
    expect(found[0]?.start).toBe(6);
    expect(found[0]?.end).toBe(26);
  });

  it('reports only the kinds asked for', () => {
    const found = matches({ ...COMPETITORS, match: ['lookalike'] }, { to: [createAddress('Norwind Technologies', 'a@norwind.example'), createAddress('', 'b@n0rwind.example')] });

    expect(brief(found)).toEqual([['lookalike', 'to', 'b@n0rwind.example', 'norwind.example']]);
  });

  it('matches a listed punycode domain against a Unicode address', () => {
    const found = matches({ type: 'domains', domains: ['xn--bcher-kva.example'] }, { cc: [createAddress('', 'sales@shop.bücher.example')] });

    expect(brief(found)).toEqual([['domain', 'cc', 'sales@shop.bücher.example', 'xn--bcher-kva.example']]);
  });
});

describe('webmail detector', () => {
  const WEBMAIL = {
    type: 'webmail',
    domains: ['freemail.example', 'postbox.example'],
    suspectAddresses: [SUSPECT],
    suspectNames: ['Daniel Keller'],
  };

  it('finds mail from the suspect to webmail', () => {
    const found = matches(WEBMAIL, { from: [createAddress('Daniel Keller', SUSPECT)], to: [createAddress('Mike', 'mike.ferris77@postbox.example')] });

    expect(brief(found)).toEqual([['to-webmail', 'to', 'mike.ferris77@postbox.example', 'postbox.example']]);
  });

  it('finds a forward to his own name', () => {
    const found = matches(WEBMAIL, {
      subject: 'Fwd: prices',
      from: [createAddress('Daniel Keller', SUSPECT)],
      bcc: [createAddress('', 'daniel.keller.home@freemail.example'), createAddress('', 'dkeller@elsewhere.example')],
    });

    expect(brief(found)).toEqual([
      ['to-webmail', 'bcc', 'daniel.keller.home@freemail.example', 'freemail.example'],
      ['forward-to-own-name', 'bcc', 'daniel.keller.home@freemail.example', 'daniel keller'],
    ]);
    expect(found[1]?.explanation).toBe(
      `The suspect (${SUSPECT}) sent this message to "daniel.keller.home@freemail.example" in Bcc, an address that carries his name "daniel keller". The subject marks it as a forward.`,
    );
  });

  it('ignores webmail that writes to the suspect', () => {
    const found = matches(WEBMAIL, { from: [createAddress('Mike', 'mike.ferris77@postbox.example')], to: [createAddress('Daniel Keller', SUSPECT)] });

    expect(found).toEqual([]);
  });

  it('ignores the suspect writing to his own work address', () => {
    const found = matches(WEBMAIL, { from: [createAddress('Daniel Keller', SUSPECT)], cc: [createAddress('Daniel Keller', SUSPECT)] });

    expect(found).toEqual([]);
  });
});

describe('lookalike helpers', () => {
  it.each([
    ['norwind', 'norwind', 0, false],
    ['norvind', 'norwind', 1, false],
    ['nowrind', 'norwind', 1, true],
    ['norwindx', 'norwind', 1, false],
    ['orwind', 'norwind', 1, false],
    ['nrowinx', 'norwind', 2, false],
  ])('distance of %s to %s', (a, b, distance, swapped) => {
    expect(editDistanceUpToOne(a, b)).toEqual({ distance, swapped });
  });

  it('maps look-alike characters to one skeleton', () => {
    expect(skeleton('n0rw1nd')).toBe(skeleton('norwind'));
    expect(skeleton('n\u043erwind')).toBe(skeleton('norwind'));
    expect(skeleton('nörwind')).toBe(skeleton('norwind'));
  });

  it('leaves short names alone', () => {
    expect(lookalikeTechnique('ab0.example', prepareListedDomain('abc.example'))).toBe(null);
  });

  it.each([
    ['rival.example', true],
    ['sales.rival.example', true],
    ['notrival.example', false],
    ['rival.example.org', false],
  ])('coverage of %s', (domain, expected) => {
    expect(domainCovers(domain, 'rival.example')).toBe(expected);
  });
});
