// Tests of the demo generator's building blocks: identifier checksums, charset and transfer encoders, the demo
// profile's look-alike domains and the filler text that must never contain a planted item.
import { domainToASCII } from 'node:url';

import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';

import { DEMO_PROFILE } from '../../electron/demo/demo-profile.js';
import * as content from '../../electron/demo/generator-content.js';
import { encodeCharset, encodeHeaderText, encodeQuotedPrintable, FORCED_SOFT_BREAK } from '../../electron/demo/generator-encoding.js';
import {
  createCardNumber,
  createIban,
  createInvalidSsn,
  createSsn,
  groupCardDigits,
  groupIban,
  isIbanValid,
  isLuhnValid,
  isSsnValid,
  luhnCheckDigit,
} from '../../electron/demo/generator-identifiers.js';
import { createRandom } from '../../electron/demo/generator-random.js';
import { hasLuhnValidWindow } from '../../electron/demo/generator-scenarios.js';

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

function allFillerText(): string {
  const foreign = [...content.GERMAN_LETTERS, ...content.RUSSIAN_LETTERS, ...content.JAPANESE_LETTERS].flatMap((letter) => [
    letter.subject,
    letter.greeting,
    ...letter.body,
    ...letter.closing,
  ]);
  return [
    ...content.TOPICS.flatMap((topic) => [topic.subject, ...topic.sentences]),
    ...content.GENERAL_SENTENCES,
    ...content.GREETINGS_EN,
    ...content.CLOSINGS_EN,
    ...Object.values(content.JOB_TITLES),
    ...content.PHONE_NUMBERS,
    ...content.UTF8_SENTENCES,
    ...content.DOCUMENT_LINES,
    ...content.SPREADSHEET_ITEMS,
    ...Object.values(content.ATTACHMENT_NAMES).flat(),
    ...foreign,
    ...DEMO_PROFILE.colleagues.map((p) => p.name),
    ...DEMO_PROFILE.suppliers.flatMap((s) => [s.name, ...s.people.map((p) => p.name)]),
    ...DEMO_PROFILE.webmailContacts.map((p) => p.name),
  ].join('\n');
}

describe('generator identifiers', () => {
  it('computes the Luhn check digit of a known number', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
  });

  it('accepts a Luhn-valid number', () => {
    expect(isLuhnValid('79927398713')).toBe(true);
  });

  it('rejects a number with a wrong check digit', () => {
    expect(isLuhnValid('79927398710')).toBe(false);
  });

  it('creates Luhn-valid card numbers and invalid ones on request', () => {
    const random = createRandom(7, 0, 'test');
    for (let i = 0; i < 200; i++) {
      expect(isLuhnValid(createCardNumber(random, true).digits)).toBe(true);
      expect(isLuhnValid(createCardNumber(random, false).digits)).toBe(false);
    }
  });

  it('groups American Express digits 4-6-5', () => {
    expect(groupCardDigits('378282246310005', ' ')).toBe('3782 822463 10005');
  });

  it('accepts the ISO 13616 example IBAN', () => {
    expect(isIbanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
  });

  it('rejects the example IBAN with changed check digits', () => {
    expect(isIbanValid('GB83 WEST 1234 5698 7654 32')).toBe(false);
  });

  it('creates IBANs that pass mod 97 and invalid ones on request', () => {
    const random = createRandom(7, 1, 'test');
    for (let i = 0; i < 200; i++) {
      expect(isIbanValid(createIban(random, true))).toBe(true);
      expect(isIbanValid(createIban(random, false))).toBe(false);
    }
  });

  it('groups an IBAN in fours', () => {
    expect(groupIban('GB82WEST12345698765432')).toBe('GB82 WEST 1234 5698 7654 32');
  });

  it('creates SSNs in issued ranges only', () => {
    const random = createRandom(7, 2, 'test');
    for (let i = 0; i < 500; i++) {
      expect(isSsnValid(createSsn(random))).toBe(true);
    }
  });

  it('creates invalid SSNs in never-issued ranges', () => {
    const random = createRandom(7, 3, 'test');
    for (let i = 0; i < 200; i++) {
      expect(isSsnValid(createInvalidSsn(random))).toBe(false);
    }
  });

  it('finds a Luhn-valid window inside a longer digit run', () => {
    expect(hasLuhnValidWindow('ref 12 4539 1488 0343 6467 done')).toBe(true);
  });

  it('ignores a Luhn-valid window that is the excepted number', () => {
    expect(hasLuhnValidWindow('4111111111111111', '4111111111111111')).toBe(false);
  });
});

describe('generator random', () => {
  it('gives the same stream for the same seed, index and purpose', () => {
    const first = createRandom(42, 9, 'body');
    const second = createRandom(42, 9, 'body');
    expect([first.nextUint32(), first.nextUint32()]).toEqual([second.nextUint32(), second.nextUint32()]);
  });

  it('gives different streams for different indexes', () => {
    expect(createRandom(42, 9, 'body').nextUint32()).not.toBe(createRandom(42, 10, 'body').nextUint32());
  });
});

describe('generator encoding', () => {
  it('encodes windows-1251 Cyrillic', () => {
    expect(encodeCharset('Жё', 'windows-1251')).toEqual(Buffer.from([0xc6, 0xb8]));
  });

  it('encodes KOI8-R Cyrillic', () => {
    expect(encodeCharset('Жё', 'koi8-r')).toEqual(Buffer.from([0xf6, 0xa3]));
  });

  it('round-trips every Cyrillic letter through windows-1251 and KOI8-R', () => {
    const letters = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя';
    expect(new TextDecoder('windows-1251').decode(encodeCharset(letters, 'windows-1251'))).toBe(letters);
    expect(new TextDecoder('koi8-r').decode(encodeCharset(letters, 'koi8-r'))).toBe(letters);
  });

  it('round-trips the Japanese letters through ISO-2022-JP', () => {
    for (const letter of content.JAPANESE_LETTERS) {
      const text = [letter.subject, letter.greeting, ...letter.body, ...letter.closing].join('\n');
      expect(new TextDecoder('iso-2022-jp').decode(encodeCharset(text, 'iso-2022-jp'))).toBe(text);
    }
  });

  it('ends ISO-2022-JP text in ASCII mode', () => {
    expect(encodeCharset('様', 'iso-2022-jp').toString('latin1')).toBe('\x1b$BMM\x1b(B');
  });

  it('rejects a character the charset cannot carry', () => {
    expect(() => encodeCharset('€', 'iso-8859-1')).toThrow('has no iso-8859-1 octet');
  });

  it('keeps quoted-printable lines within 76 characters', () => {
    const encoded = encodeQuotedPrintable(`${'Grüße aus Hamburg '.repeat(20)}\nzweite Zeile `, 'utf-8');
    const longest = Math.max(...encoded.split('\r\n').map((line) => line.length));
    expect(longest).toBeLessThanOrEqual(76);
  });

  it('encodes trailing whitespace in quoted-printable', () => {
    expect(encodeQuotedPrintable('end ', 'us-ascii')).toBe('end=20');
  });

  it('puts a soft break where the marker is', () => {
    expect(encodeQuotedPrintable(`Copper Lan${FORCED_SOFT_BREAK}tern`, 'us-ascii')).toBe('Copper Lan=\r\ntern');
  });

  it('writes encoded-words that mailparser decodes', async () => {
    const subject = encodeHeaderText('Поставка оптических линз для заказа', 'koi8-r');
    const parsed = await simpleParser(Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`, 'latin1'));
    expect(parsed.subject).toBe('Поставка оптических линз для заказа');
  });
});

describe('demo profile', () => {
  it('writes the confusable look-alike as its punycode form', () => {
    for (const lookalike of DEMO_PROFILE.lookalikes) {
      expect(domainToASCII(lookalike.unicode)).toBe(lookalike.ascii);
    }
  });

  it('keeps edit-distance, digit and swap look-alikes one edit from the competitor', () => {
    for (const lookalike of DEMO_PROFILE.lookalikes.filter((l) => ['edit-distance-1', 'digit-for-letter'].includes(l.technique))) {
      expect(editDistance(lookalike.ascii, lookalike.of)).toBe(1);
    }
  });

  it('swaps two adjacent letters in the swapped-letters look-alike', () => {
    const lookalike = DEMO_PROFILE.lookalikes.find((l) => l.technique === 'swapped-letters');
    expect(editDistance(lookalike?.ascii ?? '', lookalike?.of ?? '')).toBe(2);
    expect([...(lookalike?.ascii ?? '')].sort().join('')).toBe([...(lookalike?.of ?? '')].sort().join(''));
  });

  it('keeps the other-TLD look-alikes on the competitor name', () => {
    for (const lookalike of DEMO_PROFILE.lookalikes.filter((l) => l.technique === 'other-tld')) {
      expect(lookalike.ascii.split('.')[0]).toBe(lookalike.of.split('.')[0]);
    }
  });

  it('keeps ordinary domains far from every competitor name', () => {
    const ordinary = [DEMO_PROFILE.company.domain, ...DEMO_PROFILE.suppliers.map((s) => s.domain), ...DEMO_PROFILE.webmailDomains];
    for (const domain of ordinary) {
      for (const competitor of DEMO_PROFILE.competitors) {
        expect(editDistance(domain.split('.')[0] ?? '', competitor.domain.split('.')[0] ?? '')).toBeGreaterThan(3);
      }
    }
  });

  it('gives the suspect a personal address with his name', () => {
    const local = DEMO_PROFILE.suspect.personalAddress.split('@')[0] ?? '';
    expect(DEMO_PROFILE.suspect.nameParts.every((part) => local.includes(part))).toBe(true);
  });
});

describe('generator filler text', () => {
  const filler = allFillerText().toLowerCase();

  it('contains no code word', () => {
    for (const codeword of DEMO_PROFILE.codewords) {
      for (const word of codeword.toLowerCase().split(' ')) {
        expect(filler.includes(word) ? `${word} found` : 'absent').toBe('absent');
      }
    }
  });

  it('contains no competitor name or look-alike', () => {
    const names = [
      ...DEMO_PROFILE.competitors.flatMap((c) => [c.name.split(' ')[0] ?? c.name, c.domain.split('.')[0] ?? c.domain]),
      ...DEMO_PROFILE.lookalikes.map((l) => l.ascii.split('.')[0] ?? l.ascii),
    ];
    for (const name of names) {
      expect(filler.includes(name.toLowerCase()) ? `${name} found` : 'absent').toBe('absent');
    }
  });

  it('contains no digit run as long as a card number', () => {
    const runs = (filler.match(/\d(?:[ -]?\d)*/g) ?? []).map((run) => run.replace(/[ -]/g, '').length);
    expect(Math.max(...runs)).toBe(12);
  });

  it('contains nothing written like an SSN', () => {
    expect(filler.match(/\d{3}-\d{2}-\d{4}/g)).toBe(null);
  });
});
