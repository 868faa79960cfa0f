import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { defaultPackText, demoPackText } from '../../electron/rules/active-rules.js';
import { findJsonErrorPosition } from '../../electron/rules/json-error-position.js';
import { parseRuleFile } from '../../electron/rules/run-rules.js';
import { MailcaseError } from '../../shared/errors.js';
import { MAX_RULE_ENTRIES, MAX_RULE_FILE_BYTES, MAX_RULES_PER_FILE } from '../../shared/limits.js';
import { MAX_CONDITION_DEPTH } from '../../shared/rules-schema.js';

const VALID = {
  version: 1,
  rules: [
    { id: 'competitors', name: 'Mail with competitors', type: 'domain-list', domains: ['rival.example'] },
    { id: 'codewords', name: 'Internal codewords', type: 'keyword-list', keywords: ['Project Falcon', 'bluebird'] },
  ],
};

const VALID_AS_V2 = {
  version: 2,
  name: 'Rules',
  description: '',
  rules: [
    {
      id: 'competitors',
      name: 'Mail with competitors',
      version: 1,
      severity: 'medium',
      tags: [],
      enabled: true,
      description: '',
      condition: { type: 'domains', domains: ['rival.example'], names: [], match: ['domain'], headers: ['from', 'to', 'cc', 'bcc', 'reply-to'] },
    },
    {
      id: 'codewords',
      name: 'Internal codewords',
      version: 1,
      severity: 'medium',
      tags: [],
      enabled: true,
      description: '',
      condition: { type: 'keywords', keywords: ['Project Falcon', 'bluebird'], supporting: [], proximity: 300, minConfidence: 'low', in: ['subject', 'body', 'filename'] },
    },
  ],
};

function parseError(text: string): MailcaseError {
  try {
    parseRuleFile(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MailcaseError);
    return error as MailcaseError;
  }
  throw new Error('parseRuleFile accepted invalid input');
}

describe('parseRuleFile', () => {
  it('converts the version 1 example to version 2', () => {
    expect(parseRuleFile(JSON.stringify(VALID))).toEqual(VALID_AS_V2);
  });

  it('lower-cases and trims domains', () => {
    const file = parseRuleFile(
      JSON.stringify({ version: 1, rules: [{ id: 'r', name: 'R', type: 'domain-list', domains: [' Sales.Rival.EXAMPLE ', 'bücher.example', 'ru'] }] }),
    );

    expect(file.rules[0]?.condition).toEqual({
      type: 'domains',
      domains: ['sales.rival.example', 'bücher.example', 'ru'],
      names: [],
      match: ['domain'],
      headers: ['from', 'to', 'cc', 'bcc', 'reply-to'],
    });
  });

  it('accepts a byte order mark', () => {
    expect(parseRuleFile(`\uFEFF${JSON.stringify(VALID)}`)).toEqual(VALID_AS_V2);
  });

  it('lists every bad field with its path', () => {
    const error = parseError(
      JSON.stringify({
        version: 1,
        extra: true,
        rules: [
          { id: 'bad id!', name: '', type: 'domain-list', domains: ['bob@rival.example', 'ok.example', '-bad.example', 'a..b'], colour: 'red' },
          { id: 'k', name: 'Keywords', type: 'keyword-list', keywords: [] },
          { id: 'K', name: 'Duplicate', type: 'keyword-list', keywords: ['  ', 7] },
          { id: 'x', name: 'Unknown type', type: 'regex' },
          { name: 5, type: 'domain-list' },
          'not a rule',
        ],
      }),
    );

    expect(error.code).toBe('RULES_INVALID');
    expect(error.details.issues).toEqual([
      { path: 'extra', message: 'Unknown field "extra"' },
      { path: 'rules[0].colour', message: 'Unknown field "colour"' },
      { path: 'rules[0].domains[0]', message: `"bob@rival.example" is an address, not a domain. Write only the part after '@'.` },
      { path: 'rules[0].domains[2]', message: '"-bad.example" is not a valid domain name such as rival.example' },
      { path: 'rules[0].domains[3]', message: '"a..b" is not a valid domain name such as rival.example' },
      { path: 'rules[0].id', message: 'Rule id must start with a letter or digit and use only letters, digits, "-" or "_" (at most 64 characters)' },
      { path: 'rules[0].name', message: 'Rule name is empty' },
      { path: 'rules[1].keywords', message: 'A keyword-list rule needs at least one keyword' },
      { path: 'rules[2].id', message: 'Rule id "K" is already used by rules[1]' },
      { path: 'rules[2].keywords[0]', message: 'Keyword is empty' },
      { path: 'rules[2].keywords[1]', message: 'Keyword must be a string' },
      { path: 'rules[3].type', message: 'Rule type must be "domain-list" or "keyword-list"' },
      { path: 'rules[4].domains', message: 'Missing field "domains"' },
      { path: 'rules[4].id', message: 'Missing field "id"' },
      { path: 'rules[4].name', message: 'Field "name" must be a string' },
      { path: 'rules[5]', message: 'Rule must be an object' },
    ]);
  });

  it('lists every issue in the user message', () => {
    const error = parseError(JSON.stringify({ version: 1, rules: [{ id: 'a', name: 'A', type: 'domain-list', domains: [] }], note: 1 }));

    expect(error.userMessage).toBe(
      'The rule file has 2 problems. Fix them and run the rules again:\n' +
        '- note: Unknown field "note"\n' +
        '- rules[0].domains: A domain-list rule needs at least one domain',
    );
  });

  it('lists issues of a rule file fixture', async () => {
    const text = await readFile(path.resolve('test/fixtures/rules/invalid-fields.json'), 'utf8');

    const error = parseError(text);

    expect(error.details.issues).toEqual([
      { path: 'rules[0].domains[0]', message: `"bob@rival.example" is an address, not a domain. Write only the part after '@'.` },
      { path: 'rules[1].colour', message: 'Unknown field "colour"' },
      { path: 'rules[1].keywords', message: 'A keyword-list rule needs at least one keyword' },
      { path: 'rules[1].name', message: 'Rule name is empty' },
    ]);
  });

  it('reports a file that is not an object', () => {
    const error = parseError('[]');

    expect(error.details.issues).toEqual([{ path: '(file)', message: 'Rule file must be a JSON object with "version" and "rules"' }]);
  });

  it('reports missing top-level fields', () => {
    const error = parseError('{}');

    expect(error.details.issues).toEqual([
      { path: 'rules', message: 'Missing field "rules"' },
      { path: 'version', message: 'Missing field "version"' },
    ]);
  });

  it('names line and column of an unexpected token', () => {
    const error = parseError('{\n  "version": 1,\n  "rules": [,]\n}');

    expect(error.code).toBe('RULES_INVALID');
    expect(error.details.line).toBe(3);
    expect(error.details.column).toBe(13);
    expect(error.userMessage).toBe('The rule file is not valid JSON at line 3, column 13. Check for a missing comma, quote or bracket there.');
  });

  it('names line and column V8 reports', () => {
    const error = parseError('{"version": 1,}');

    expect(error.details.line).toBe(1);
    expect(error.details.column).toBe(15);
  });

  it('names the end of a truncated file', () => {
    const error = parseError('{\n"version": 1');

    expect(error.details.line).toBe(2);
    expect(error.details.column).toBe(13);
  });

  it('rejects a file over the size limit', () => {
    const error = parseError(' '.repeat(MAX_RULE_FILE_BYTES + 1));

    expect(error.code).toBe('RULES_INVALID');
    expect(error.details.bytes).toBe(MAX_RULE_FILE_BYTES + 1);
  });

  it('rejects more rules than allowed', () => {
    const rules = Array.from({ length: MAX_RULES_PER_FILE + 1 }, (_, index) => ({ id: `r${index}`, name: 'R', type: 'keyword-list', keywords: ['k'] }));

    const error = parseError(JSON.stringify({ version: 1, rules }));

    expect(error.details.issues).toEqual([{ path: 'rules', message: `A rule file may hold at most ${MAX_RULES_PER_FILE} rules` }]);
  });

  it('rejects more entries than allowed', () => {
    const keywords = Array.from({ length: MAX_RULE_ENTRIES + 1 }, (_, index) => `k${index}`);

    const error = parseError(JSON.stringify({ version: 1, rules: [{ id: 'r', name: 'R', type: 'keyword-list', keywords }] }));

    expect(error.details.issues).toEqual([{ path: 'rules[0].keywords', message: `A rule may list at most ${MAX_RULE_ENTRIES} keywords` }]);
  });
});

describe('parseRuleFile version 2', () => {
  it('fills defaults of a minimal rule', () => {
    const file = parseRuleFile(JSON.stringify({ version: 2, rules: [{ id: 'cards', name: 'Cards', condition: { type: 'payment-card' } }] }));

    expect(file.name).toBe('Rules');
    expect(file.rules[0]).toEqual({
      id: 'cards',
      name: 'Cards',
      version: 1,
      severity: 'medium',
      tags: [],
      enabled: true,
      description: '',
      condition: {
        type: 'payment-card',
        supporting: ['card', 'credit card', 'debit card', 'card number', 'visa', 'mastercard', 'amex', 'american express', 'expiry', 'exp', 'cvv', 'cvc'],
        proximity: 300,
        minConfidence: 'medium',
        in: ['subject', 'body', 'attachment', 'filename'],
      },
    });
  });

  it('lists every bad field inside nested conditions', () => {
    const error = parseError(
      JSON.stringify({
        version: 2,
        rules: [
          {
            id: 'a',
            name: 'A',
            severity: 'urgent',
            tags: ['ok', 'line\nbreak'],
            condition: {
              type: 'all',
              of: [
                { type: 'domains', domains: ['bob@rival.example'], match: ['nearby'] },
                { type: 'not', condition: { type: 'regex', pattern: '(unclosed' } },
                { type: 'keywords', keywords: [], proximity: 0 },
                { type: 'query', query: ' ' },
                { type: 'telepathy' },
              ],
            },
          },
          { id: 'b', name: 'B', condition: { type: 'webmail', domains: ['freemail.example'], suspectAddresses: ['not-an-address'], colour: 1 } },
        ],
      }),
    );

    expect(error.details.issues).toEqual([
      { path: 'rules[0].condition.of[0].domains[0]', message: `"bob@rival.example" is an address, not a domain. Write only the part after '@'.` },
      { path: 'rules[0].condition.of[0].match[0]', message: 'Must be one of "domain", "lookalike", "display-name"' },
      { path: 'rules[0].condition.of[1].condition.pattern', message: 'Invalid regular expression: Invalid regular expression: /(unclosed/giu: Unterminated group' },
      { path: 'rules[0].condition.of[2].keywords', message: 'List at least one entry in "keywords"' },
      { path: 'rules[0].condition.of[2].proximity', message: 'Field "proximity" must be at least 1' },
      { path: 'rules[0].condition.of[3].query', message: 'Field "query" is empty' },
      {
        path: 'rules[0].condition.of[4].type',
        message: 'Condition type must be one of "domains", "webmail", "keywords", "regex", "payment-card", "iban", "ssn", "email-list", "phone-list", "attachments", "query", "all", "any", "not"',
      },
      { path: 'rules[0].severity', message: 'Field "severity" must be "low", "medium" or "high"' },
      { path: 'rules[0].tags[1]', message: 'Tag must not contain line breaks or control characters' },
      { path: 'rules[1].condition.colour', message: 'Unknown field "colour"' },
      { path: 'rules[1].condition.suspectAddresses[0]', message: 'Address must look like name@domain.example' },
    ]);
  });

  it('rejects conditions nested too deep', () => {
    let condition: unknown = { type: 'payment-card' };
    for (let depth = 0; depth < MAX_CONDITION_DEPTH + 2; depth += 1) condition = { type: 'not', condition };

    const error = parseError(JSON.stringify({ version: 2, rules: [{ id: 'deep', name: 'Deep', condition }] }));

    expect(error.details.issues).toEqual([
      { path: `rules[0]${'.condition'.repeat(MAX_CONDITION_DEPTH + 1)}`, message: `Conditions may nest at most ${MAX_CONDITION_DEPTH} levels deep` },
    ]);
  });

  it('names an unknown version', () => {
    const error = parseError(JSON.stringify({ version: 3, rules: [] }));

    expect(error.details.issues).toEqual([{ path: 'version', message: 'Field "version" must be 1 or 2' }]);
  });

  it.each([
    ['default', defaultPackText],
    ['demo', demoPackText],
  ])('accepts the built-in %s pack', (_name, text) => {
    expect(parseRuleFile(text()).version).toBe(2);
  });
});

describe('findJsonErrorPosition', () => {
  it.each([
    ['{"a": 1}', null],
    ['[1, 2, {"b": [true, false, null, "x\\u0041"]}]', null],
    ['[1,]', { offset: 3, line: 1, column: 4 }],
    ['{"a": tru}', { offset: 9, line: 1, column: 10 }],
    ['{"a" 1}', { offset: 5, line: 1, column: 6 }],
    ['{"a": "\\q"}', { offset: 8, line: 1, column: 9 }],
    ['{"a": 01}', { offset: 7, line: 1, column: 8 }],
    ['{"a": 1} x', { offset: 9, line: 1, column: 10 }],
    ['', { offset: 0, line: 1, column: 1 }],
    ['[\n[\n', { offset: 4, line: 3, column: 1 }],
  ])('locates the error in %j', (text, expected) => {
    expect(findJsonErrorPosition(text)).toEqual(expected);
  });

  it('handles deep nesting without recursion', () => {
    expect(findJsonErrorPosition(`${'['.repeat(100_000)}x`)).toEqual({ offset: 100_000, line: 1, column: 100_001 });
  });
});
