import { describe, expect, it } from 'vitest';

import { parseMessage } from '../../electron/parsing/parse-message.js';
import { compileRule, matchRule } from '../../electron/rules/match-rules.js';
import { cardScheme, isValidIban, isValidSsn, passesLuhn } from '../../electron/rules/pii-validators.js';
import { keywordPattern } from '../../electron/rules/text-match.js';
import { validateRuleFile } from '../../shared/rules-schema.js';
import type { PackRule } from '../../shared/rules-types.js';
import { createAttachment, createEmptyRecord, type MessageRecord, type MimePartInfo, type RuleMatch } from '../../shared/types.js';

const SHA = 'c'.repeat(64);

const BODY_PART: MimePartInfo = {
  path: '1',
  contentType: 'text/plain',
  transferEncoding: 'quoted-printable',
  declaredCharset: 'utf-8',
  charsetUsed: 'utf-8',
  filename: null,
  disposition: null,
  size: 100,
  role: 'body-text',
};

/** Parses one rule through the real schema, so defaults apply as in a pack file. */
function rule(condition: unknown): PackRule {
  const checked = validateRuleFile({ version: 2, rules: [{ id: 'r', name: 'R', condition }] });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const first = checked.ruleFile.rules[0];
  if (first === undefined) throw new Error('no rule');
  return first;
}

function record(fields: Partial<MessageRecord>): MessageRecord {
  return { ...createEmptyRecord(SHA, 100), textPartPath: '1', parts: [BODY_PART], ...fields };
}

function matches(condition: unknown, fields: Partial<MessageRecord>): RuleMatch[] {
  const target = { record: record(fields), evidenceSha256: SHA, embeddedPath: null };
  return matchRule(compileRule(rule(condition)), target).hit?.matches ?? [];
}

function spans(found: RuleMatch[]): [string, number | null, number | null, string, string][] {
  return found.map((match) => [match.field, match.start, match.end, match.value, match.confidence]);
}

describe('keywords detector', () => {
  it('matches a phrase across a line break with offsets', () => {
    const found = matches({ type: 'keywords', keywords: ['Copper Lantern'] }, { text: 'Status of Copper\r\nLantern below.' });

    expect(spans(found)).toEqual([['body', 10, 25, 'Copper\r\nLantern', 'medium']]);
  });

  it('matches across a quoted-printable soft break', async () => {
    const raw = Buffer.from(
      'From: a@corp.example\r\nSubject: status\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
        'Notes on Copper Lan=\r\ntern today.\r\n',
    );
    const parsed = await parseMessage(raw, { sha256: SHA, size: raw.length, sources: [] });
    const target = { record: parsed, evidenceSha256: SHA, embeddedPath: null };

    const found = matchRule(compileRule(rule({ type: 'keywords', keywords: ['Copper Lantern'] })), target).hit?.matches ?? [];

    expect(spans(found)).toEqual([['body', 9, 23, 'Copper Lantern', 'medium']]);
    expect(found[0]?.decoding?.transferEncoding).toBe('quoted-printable');
  });

  it('names the decoding chain of the part', () => {
    const found = matches({ type: 'keywords', keywords: ['Tidewater'] }, { text: 'Tidewater' });

    expect(found[0]?.decoding).toEqual(BODY_PART);
    expect(found[0]?.partPath).toBe('1');
    expect(found[0]?.area).toBe('body');
  });

  it('ignores a keyword inside another word', () => {
    const found = matches({ type: 'keywords', keywords: ['Bluebird'] }, { subject: 'Bluebirds', text: 'the bluebirdhouse and xbluebird' });

    expect(found).toEqual([]);
  });

  it('matches in the subject and attachment text', () => {
    const attachment = createAttachment({ filename: 'plan.pdf', contentType: 'application/pdf', size: 10, sha256: 'd'.repeat(64), partPath: '2', text: 'Page 1: TIDEWATER' });

    const found = matches({ type: 'keywords', keywords: ['Tidewater'] }, { subject: 'Re: tidewater', attachments: [attachment] });

    expect(spans(found)).toEqual([
      ['subject', 4, 13, 'tidewater', 'medium'],
      ['attachment:plan.pdf', 8, 17, 'TIDEWATER', 'medium'],
    ]);
    expect(found[0]?.header).toBe('subject');
    expect(found[1]?.area).toBe('attachment');
  });

  it('matches in archive member text', () => {
    const attachment = createAttachment({
      filename: 'docs.zip',
      contentType: 'application/zip',
      size: 10,
      sha256: 'd'.repeat(64),
      partPath: '3',
      members: [{ path: 'inner/notes.txt', size: 20, encrypted: false, detected: null, text: 'about bluebird' }],
    });

    const found = matches({ type: 'keywords', keywords: ['Bluebird'] }, { attachments: [attachment] });

    expect(spans(found)).toEqual([['attachment:docs.zip!inner/notes.txt', 6, 14, 'bluebird', 'medium']]);
    expect(found[0]?.member).toBe('inner/notes.txt');
  });

  it('raises confidence near a supporting keyword', () => {
    const text = 'Confidential: Project Falcon numbers. ' + 'x'.repeat(100) + ' Project Falcon again.';

    const found = matches({ type: 'keywords', keywords: ['Project Falcon'], supporting: ['confidential'], proximity: 50 }, { text });

    expect(spans(found)).toEqual([
      ['body', 14, 28, 'Project Falcon', 'high'],
      ['body', 139, 153, 'Project Falcon', 'medium'],
    ]);
    expect(found[0]?.explanation).toBe(
      'The keyword "Project Falcon" (as "Project Falcon") appears in the body text (MIME part 1) at characters 14-28. The supporting keyword "confidential" is 2 characters away, which raises the confidence to high.',
    );
  });

  it('drops hits below the minimum confidence', () => {
    const found = matches({ type: 'keywords', keywords: ['Falcon'], supporting: ['pricing'], minConfidence: 'high' }, { text: 'Falcon alone' });

    expect(found).toEqual([]);
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
    ['über', 'Grüße über alles', ['über']],
    ['über', 'darüber', []],
  ])('matches %j in %j', (keyword, text, expected) => {
    expect([...text.matchAll(keywordPattern(keyword))].map((match) => match[0])).toEqual(expected);
  });
});

describe('payment card detector', () => {
  it('finds a Visa number with spaces', () => {
    const found = matches({ type: 'payment-card' }, { text: 'Use 4111 1111 1111 1111 please' });

    expect(spans(found)).toEqual([['body', 4, 23, '4111 1111 1111 1111', 'medium']]);
    expect(found[0]?.entry).toBe('Visa');
  });

  it('finds numbers with hyphens and none', () => {
    const found = matches({ type: 'payment-card' }, { text: 'a 5500-0000-0000-0004 b 378282246310005 c' });

    expect(spans(found)).toEqual([
      ['body', 2, 21, '5500-0000-0000-0004', 'medium'],
      ['body', 24, 39, '378282246310005', 'medium'],
    ]);
    expect(found.map((match) => match.entry)).toEqual(['Mastercard', 'American Express']);
  });

  it('rejects a Luhn-invalid number', () => {
    expect(matches({ type: 'payment-card' }, { text: 'Card 4111 1111 1111 1112 here' })).toEqual([]);
  });

  it('rejects an unknown issuer prefix', () => {
    // Luhn-valid, but 9 starts no card scheme.
    expect(matches({ type: 'payment-card' }, { text: 'ref 9111111111111111' })).toEqual([]);
  });

  it('rejects mixed separators and longer digit runs', () => {
    expect(matches({ type: 'payment-card' }, { text: '4111 1111-1111 1111 and 44111111111111111111' })).toEqual([]);
  });

  it('keeps the number before an expiry month', () => {
    const found = matches({ type: 'payment-card' }, { text: '4111 1111 1111 1111 12/27' });

    expect(spans(found)).toEqual([['body', 0, 19, '4111 1111 1111 1111', 'medium']]);
  });

  it('rates a number near a card keyword high', () => {
    const found = matches({ type: 'payment-card' }, { text: 'Visa card: 4111111111111111' });

    expect(found[0]?.confidence).toBe('high');
  });
});

describe('IBAN detector', () => {
  it('finds a printed IBAN', () => {
    const found = matches({ type: 'iban' }, { text: 'IBAN DE89 3704 0044 0532 0130 00 for the transfer' });

    expect(spans(found)).toEqual([['body', 5, 32, 'DE89 3704 0044 0532 0130 00', 'high']]);
    expect(found[0]?.entry).toBe('DE');
  });

  it('finds a compact IBAN followed by a word', () => {
    const found = matches({ type: 'iban', supporting: [] }, { text: 'GB82WEST12345698765432 IN FULL' });

    expect(spans(found)).toEqual([['body', 0, 22, 'GB82WEST12345698765432', 'medium']]);
  });

  it('rejects a wrong check digit and a wrong length', () => {
    expect(matches({ type: 'iban' }, { text: 'DE88 3704 0044 0532 0130 00 and DE89370400440532013001' })).toEqual([]);
    expect(matches({ type: 'iban' }, { text: 'DE8937040044053201300 and DE893704004405320130001' })).toEqual([]);
  });
});

describe('SSN detector', () => {
  it('finds a formatted SSN', () => {
    const found = matches({ type: 'ssn', supporting: [] }, { text: 'His number is 536-22-1234.' });

    expect(spans(found)).toEqual([['body', 14, 25, '536-22-1234', 'medium']]);
  });

  it.each(['000-12-3456', '666-12-3456', '912-12-3456', '536-00-1234', '536-22-0000', '078-05-1120'])('rejects %s', (ssn) => {
    expect(matches({ type: 'ssn' }, { text: `SSN ${ssn}` })).toEqual([]);
  });

  it('needs a keyword for nine digits in a row', () => {
    expect(matches({ type: 'ssn' }, { text: 'order 536221234' })).toEqual([]);
    expect(spans(matches({ type: 'ssn' }, { text: 'SSN 536221234' }))).toEqual([['body', 4, 13, '536221234', 'medium']]);
  });
});

describe('e-mail and phone list detectors', () => {
  it('finds a listed address in text', () => {
    const found = matches({ type: 'email-list', addresses: ['Key.Client@Customer.example'] }, { text: 'Write to key.client@customer.example. Not xkey.client@customer.example.org' });

    expect(spans(found)).toEqual([['body', 9, 36, 'key.client@customer.example', 'high']]);
  });

  it('finds a listed phone number written another way', () => {
    const found = matches({ type: 'phone-list', numbers: ['+49 30 1234567'] }, { text: 'Call 030 123 45 67 or 030 7654321.' });

    expect(spans(found)).toEqual([['body', 5, 18, '030 123 45 67', 'high']]);
  });
});

describe('PII validators', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
  ])('Luhn of %s is %s', (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected);
  });

  it.each([
    ['4111111111111111', 'Visa'],
    ['2221000000000009', 'Mastercard'],
    ['6011111111111117', 'Discover'],
    ['3530111333300000', 'JCB'],
    ['411111111111111', null],
  ])('scheme of %s is %s', (digits, expected) => {
    expect(cardScheme(digits)).toBe(expected);
  });

  it.each([
    ['DE89370400440532013000', true],
    ['GB82WEST12345698765432', true],
    ['NL91ABNA0417164300', true],
    ['NL91ABNA0417164301', false],
    ['XX89370400440532013000', false],
  ])('IBAN %s is %s', (iban, expected) => {
    expect(isValidIban(iban)).toBe(expected);
  });

  it.each([
    ['536221234', true],
    ['900221234', false],
    ['219099999', false],
  ])('SSN %s is %s', (digits, expected) => {
    expect(isValidSsn(digits)).toBe(expected);
  });
});

describe('keywords detector with a long list', () => {
  it('finds keywords in any group', () => {
    const keywords = Array.from({ length: 250 }, (_, index) => `codeword${index}`);

    const found = matches({ type: 'keywords', keywords }, { text: 'see codeword7 and codeword249, not codeword2500' });

    expect(spans(found)).toEqual([
      ['body', 4, 13, 'codeword7', 'medium'],
      ['body', 18, 29, 'codeword249', 'medium'],
    ]);
  });
});
