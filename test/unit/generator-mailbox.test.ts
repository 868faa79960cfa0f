// Tests of the demo mailbox generator: determinism, random access, valid mail, exact ground truth, and that
// nothing a detector looks for appears anywhere the ground truth does not list it.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { convert } from 'html-to-text';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_PROFILE } from '../../electron/demo/demo-profile.js';
import { createMailboxGenerator, writeMaildir, type GroundTruth, type PlantedItem } from '../../electron/demo/generate-mailbox.js';
import { isIbanValid, isLuhnValid, isSsnValid } from '../../electron/demo/generator-identifiers.js';
import { OPENING_BLOCK_SIZE } from '../../electron/demo/generator-scenarios.js';
import { MailcaseError } from '../../shared/errors.js';

const SEED = 1;
const COUNT = 600;

let raws: Buffer[] = [];
let parsed: ParsedMail[] = [];
let truth: GroundTruth;

beforeAll(async () => {
  const generator = createMailboxGenerator({ seed: SEED, count: COUNT });
  for await (const message of generator.messages()) {
    raws.push(message.raw);
  }
  parsed = await Promise.all(raws.map((raw) => simpleParser(raw)));
  truth = await generator.groundTruth();
}, 120_000);

afterAll(() => {
  raws = [];
  parsed = [];
});

function itemsOf(index: number, kind: string): PlantedItem[] {
  return truth.planted.filter((item) => item.messageIndex === index && item.kind === kind);
}

function bodyText(mail: ParsedMail): string {
  if (typeof mail.text === 'string') {
    return mail.text;
  }
  return typeof mail.html === 'string' ? convert(mail.html) : '';
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((object) => object.value.map((entry) => (entry.address ?? '').toLowerCase()));
}

function phrasePattern(phrase: string): RegExp {
  const words = phrase.split(' ').map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'giu');
}

function countMatches(text: string, pattern: RegExp): number {
  return (text.match(pattern) ?? []).length;
}

/** Lists every Luhn-valid run of 13 to 19 digits, single spaces and dashes between digits ignored. */
function luhnValidWindows(text: string): string[] {
  const found: string[] = [];
  for (const run of text.match(/\d(?:[ -]?\d)*/g) ?? []) {
    const digits = run.replace(/[ -]/g, '');
    for (let length = 13; length <= Math.min(19, digits.length); length++) {
      for (let start = 0; start + length <= digits.length; start++) {
        const window = digits.slice(start, start + length);
        if (isLuhnValid(window)) {
          found.push(window);
        }
      }
    }
  }
  return found;
}

describe('createMailboxGenerator', () => {
  it('gives identical bytes for the same seed', async () => {
    const again = createMailboxGenerator({ seed: SEED, count: 60 });
    let index = 0;
    for await (const message of again.messages()) {
      expect(message.raw.equals(raws[index] ?? Buffer.alloc(0))).toBe(true);
      index += 1;
    }
  });

  it('gives an identical ground truth for the same seed', async () => {
    const again = await createMailboxGenerator({ seed: SEED, count: COUNT }).groundTruth();
    expect(again).toEqual(truth);
  });

  it('gives different messages for a different seed', async () => {
    const other = createMailboxGenerator({ seed: SEED + 1, count: 20 });
    let same = 0;
    for await (const message of other.messages()) {
      same += message.raw.equals(raws[message.index] ?? Buffer.alloc(0)) ? 1 : 0;
    }
    expect(same).toBe(0);
  });

  it('gives a different ground truth for a different seed', async () => {
    const other = await createMailboxGenerator({ seed: SEED + 1, count: COUNT }).groundTruth();
    expect(other.planted).not.toEqual(truth.planted);
  });

  it('builds message(i) equal to the i-th message of messages()', async () => {
    const generator = createMailboxGenerator({ seed: SEED, count: COUNT });
    for (const index of [0, 1, 7, 88, 236, 401, 599]) {
      const message = await generator.message(index);
      expect(message.raw.equals(raws[index] ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it('builds later arrivals independently of count', async () => {
    const small = createMailboxGenerator({ seed: SEED, count: 10 });
    expect((await small.message(COUNT - 1)).raw.equals(raws[COUNT - 1] ?? Buffer.alloc(0))).toBe(true);
  });

  it('gives each message a distinct UIDL', async () => {
    expect(new Set(truth.messages.map((m) => m.uidl)).size).toBe(COUNT);
  });

  it('records the SHA-256 and size of each message', async () => {
    const { createHash } = await import('node:crypto');
    const first = truth.messages[0];
    expect(first?.sha256).toBe(createHash('sha256').update(raws[0] ?? Buffer.alloc(0)).digest('hex'));
    expect(first?.size).toBe(raws[0]?.length);
  });

  it('rejects a negative seed', () => {
    expect(() => createMailboxGenerator({ seed: -1, count: 1 })).toThrow(MailcaseError);
  });

  it('rejects a fractional count', () => {
    expect(() => createMailboxGenerator({ seed: 1, count: 1.5 })).toThrow(MailcaseError);
  });

  it('rejects a start date that is not a timestamp', () => {
    expect(() => createMailboxGenerator({ seed: 1, count: 1, startDate: 'soon' })).toThrow(MailcaseError);
  });

  it('rejects a negative message index', async () => {
    await expect(createMailboxGenerator({ seed: 1, count: 1 }).message(-1)).rejects.toThrow(MailcaseError);
  });
});

describe('generated messages', () => {
  it('parse with mailparser', () => {
    expect(parsed.length).toBe(COUNT);
    expect(parsed.filter((mail) => mail.messageId === undefined).length).toBe(0);
  });

  it('end every line in CRLF', () => {
    const bare = raws.filter((raw) => /(^|[^\r])\n/.test(raw.toString('latin1'))).length;
    expect(bare).toBe(0);
  });

  it('keep every line within 998 octets', () => {
    const longest = Math.max(...raws.flatMap((raw) => raw.toString('latin1').split('\r\n').map((line) => line.length)));
    expect(longest).toBeLessThanOrEqual(998);
  });

  it('keep headers in ASCII', () => {
    const nonAscii = raws.filter((raw) => /[^\t\r\n\x20-\x7e]/.test(raw.toString('latin1').split('\r\n\r\n')[0] ?? '')).length;
    expect(nonAscii).toBe(0);
  });

  it('span several months', () => {
    const first = Date.parse(truth.messages[0]?.date ?? '');
    const last = Date.parse(truth.messages[COUNT - 1]?.date ?? '');
    expect(Math.round((last - first) / 86_400_000)).toBe(40);
  });

  it('carry the dates in increasing order', () => {
    const dates = truth.messages.map((m) => Date.parse(m.date));
    expect(dates.every((date, i) => i === 0 || date > (dates[i - 1] ?? 0))).toBe(true);
  });

  it('match the ground truth date to the Date header', () => {
    expect(parsed.every((mail, i) => mail.date?.toISOString() === truth.messages[i]?.date)).toBe(true);
  });

  it('match the ground truth subject to the decoded Subject', () => {
    expect(parsed.every((mail, i) => mail.subject === truth.messages[i]?.subject)).toBe(true);
  });

  it('use every charset of the generator', () => {
    const text = raws.map((raw) => raw.toString('latin1').toLowerCase()).join('\n');
    for (const charset of ['iso-8859-1', 'windows-1251', 'koi8-r', 'iso-2022-jp', 'utf-8', 'us-ascii']) {
      expect(text.includes(`charset=${charset}`) ? charset : `${charset} missing`).toBe(charset);
    }
  });

  it('decode Russian and Japanese bodies', () => {
    const texts = parsed.map(bodyText);
    expect(texts.some((text) => text.includes('Направляем вам обновлённый прайс-лист'))).toBe(true);
    expect(texts.some((text) => text.includes('いつもお世話になっております。'))).toBe(true);
  });

  it('use every transfer encoding', () => {
    const text = raws.map((raw) => raw.toString('latin1').toLowerCase()).join('\n');
    for (const encoding of ['7bit', '8bit', 'quoted-printable', 'base64']) {
      expect(text.includes(`content-transfer-encoding: ${encoding}`) ? encoding : `${encoding} missing`).toBe(encoding);
    }
  });

  it('thread replies to earlier messages', () => {
    const ids = new Map(parsed.map((mail, i) => [mail.messageId, i]));
    const replies = parsed.filter((mail) => mail.inReplyTo !== undefined);
    expect(replies.length).toBeGreaterThan(50);
    expect(replies.every((mail) => (ids.get(mail.inReplyTo) ?? Infinity) < (ids.get(mail.messageId) ?? -1))).toBe(true);
    expect(replies.every((mail) => mail.subject?.startsWith('Re: '))).toBe(true);
  });

  it('include forwards', () => {
    expect(parsed.filter((mail) => mail.subject?.startsWith('Fwd: ')).length).toBeGreaterThan(5);
  });

  it('include HTML bodies', () => {
    expect(parsed.filter((mail) => typeof mail.html === 'string').length).toBeGreaterThan(100);
  });

  it('average about 2 KB without attachments', async () => {
    let total = 0;
    for await (const message of createMailboxGenerator({ seed: SEED, count: 2000, attachments: false }).messages()) {
      total += message.raw.length;
    }
    expect(total / 2000).toBeGreaterThan(1800);
    expect(total / 2000).toBeLessThan(2200);
  }, 60_000);

  it('carry no attachments when attachments are off', async () => {
    const plain = createMailboxGenerator({ seed: SEED, count: OPENING_BLOCK_SIZE, attachments: false });
    let attachmentCount = 0;
    for await (const message of plain.messages()) {
      attachmentCount += (await simpleParser(message.raw)).attachments.length;
    }
    expect(attachmentCount).toBe(0);
  }, 60_000);
});

describe('ground truth', () => {
  it('counts the planted items of each kind', () => {
    const counts: Record<string, number> = {};
    for (const item of truth.planted) {
      counts[item.kind] = (counts[item.kind] ?? 0) + 1;
    }
    expect(counts).toEqual({
      'competitor-domain': 11,
      'lookalike-domain': 20,
      'competitor-display-name': 2,
      webmail: 5,
      'forward-to-own-name': 2,
      codeword: 9,
      'payment-card': 4,
      iban: 5,
      ssn: 1,
      'encrypted-zip': 3,
      'encrypted-pdf': 1,
      image: 3,
      'type-mismatch': 3,
      executable: 1,
    });
  });

  it('counts the near misses of each kind', () => {
    const counts: Record<string, number> = {};
    for (const item of truth.nearMisses) {
      counts[item.kind] = (counts[item.kind] ?? 0) + 1;
    }
    expect(counts).toEqual({ webmail: 41, 'payment-card': 1, 'competitor-domain': 10, codeword: 3, ssn: 4, iban: 1 });
  });

  it('counts the messages with planted items', () => {
    expect(new Set(truth.planted.map((item) => item.messageIndex)).size).toBe(47);
  });

  it('plants a code word split across a line break', () => {
    const item = truth.planted.find((p) => p.kind === 'codeword' && raws[p.messageIndex]?.includes('Project\r\nFalcon'));
    expect(item?.location).toBe('body');
  });

  it('plants a code word split across a quoted-printable soft break', () => {
    const item = truth.planted.find((p) => p.kind === 'codeword' && raws[p.messageIndex]?.includes('Copper Lan=\r\ntern'));
    expect(item?.value).toBe('Copper Lantern');
  });

  it('plants a card number written with spaces', () => {
    expect(truth.planted.some((p) => p.kind === 'payment-card' && /^\d{4} \d{4} \d{4} \d{4}$/.test(p.value))).toBe(true);
  });

  it('plants an IBAN in attachment text', () => {
    expect(truth.planted.some((p) => p.kind === 'iban' && p.location === 'attachment:bank-details.pdf')).toBe(true);
  });

  it('plants a competitor in Cc only', () => {
    const cc = truth.planted.filter((p) => p.kind === 'competitor-domain' && p.location === 'cc');
    expect(cc.some((p) => itemsOf(p.messageIndex, 'competitor-domain').length === 1)).toBe(true);
  });

  it('plants a competitor in Reply-To only', () => {
    const replyTo = truth.planted.filter((p) => p.kind === 'competitor-domain' && p.location === 'reply-to');
    expect(replyTo.some((p) => itemsOf(p.messageIndex, 'competitor-domain').length === 1)).toBe(true);
  });

  it('plants every look-alike domain', () => {
    const planted = new Set(truth.planted.filter((p) => p.kind === 'lookalike-domain').map((p) => p.value));
    expect([...planted].sort()).toEqual(DEMO_PROFILE.lookalikes.map((l) => l.ascii).sort());
  });

  it('lists the required near misses', () => {
    const kinds = truth.nearMisses.map((n) => `${n.kind}:${n.value}`);
    expect(kinds.some((k) => /^payment-card:[\d ]+$/.test(k))).toBe(true);
    expect(kinds.some((k) => k.startsWith('competitor-domain:not'))).toBe(true);
    expect(kinds).toContain('codeword:tidewatermark');
    expect(truth.nearMisses.some((n) => n.kind === 'ssn' && !isSsnValid(n.value))).toBe(true);
  });
});

describe('planted items are exclusive', () => {
  it('puts code words only where listed', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      for (const codeword of DEMO_PROFILE.codewords) {
        const pattern = phrasePattern(codeword);
        const expected = (location: string): number =>
          itemsOf(index, 'codeword').filter((p) => p.value === codeword && p.location === location).length;
        expect([index, codeword, countMatches(mail.subject ?? '', pattern)]).toEqual([index, codeword, expected('subject')]);
        expect([index, codeword, countMatches(bodyText(mail), pattern)]).toEqual([index, codeword, expected('body')]);
        const inFilenames = mail.attachments.filter((a) => countMatches(a.filename ?? '', pattern) > 0).length;
        expect([index, codeword, inFilenames]).toEqual([index, codeword, 0]);
      }
    }
  });

  it('puts Luhn-valid digit runs only in planted card numbers', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      const found = luhnValidWindows(`${mail.subject ?? ''}\n${bodyText(mail)}`).sort();
      const expected = itemsOf(index, 'payment-card').map((p) => p.value.replace(/[ -]/g, '')).sort();
      expect([index, found]).toEqual([index, expected]);
    }
  });

  it('puts mod-97-valid IBANs only where planted', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      const candidates = bodyText(mail).match(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}\b/g) ?? [];
      const found = candidates.filter((c) => isIbanValid(c)).sort();
      const expected = itemsOf(index, 'iban').filter((p) => p.location === 'body').map((p) => p.value).sort();
      expect([index, found]).toEqual([index, expected]);
    }
  });

  it('puts valid SSNs only where planted', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      const found = (bodyText(mail).match(/\b\d{3}-\d{2}-\d{4}\b/g) ?? []).filter(isSsnValid).sort();
      const expected = itemsOf(index, 'ssn').map((p) => p.value).sort();
      expect([index, found]).toEqual([index, expected]);
    }
  });

  it('names competitor and look-alike domains only in planted messages', () => {
    const domains = [...DEMO_PROFILE.competitors.map((c) => c.domain.split('.')[0] ?? c.domain), ...DEMO_PROFILE.lookalikes.map((l) => l.ascii)];
    const marked = new Set([...truth.planted, ...truth.nearMisses].filter((p) => p.kind.endsWith('-domain') || p.kind === 'competitor-display-name').map((p) => p.messageIndex));
    for (let index = 0; index < COUNT; index++) {
      const raw = raws[index]?.toString('latin1').toLowerCase() ?? '';
      const mentions = domains.filter((domain) => raw.includes(domain));
      expect([index, mentions.length > 0]).toEqual([index, marked.has(index)]);
    }
  });

  it('lists every competitor address header', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      const headers: [string, string[]][] = [
        ['from', addresses(mail.from)],
        ['to', addresses(mail.to)],
        ['cc', addresses(mail.cc)],
        ['bcc', addresses(mail.bcc)],
        ['reply-to', addresses(mail.replyTo)],
      ];
      const found = headers.flatMap(([name, list]) =>
        list.filter((a) => DEMO_PROFILE.competitors.some((c) => a.endsWith(`@${c.domain}`) || a.endsWith(`.${c.domain}`))).map(() => name),
      );
      const expected = itemsOf(index, 'competitor-domain').map((p) => p.location).filter((l) => l !== 'return-path');
      expect([index, found.sort()]).toEqual([index, expected.sort()]);
    }
  });

  it('sends mail from the suspect to webmail only in planted messages', () => {
    for (let index = 0; index < COUNT; index++) {
      const mail = parsed[index];
      if (mail === undefined) continue;
      const isFromSuspect = addresses(mail.from).includes(DEMO_PROFILE.suspect.address);
      const recipients = [...addresses(mail.to), ...addresses(mail.cc), ...addresses(mail.bcc)];
      const webmail = isFromSuspect ? recipients.filter((a) => DEMO_PROFILE.webmailDomains.some((d) => a.endsWith(`@${d}`))) : [];
      expect([index, webmail.sort()]).toEqual([index, itemsOf(index, 'webmail').map((p) => p.value).sort()]);
    }
  });
});

describe('writeMaildir', () => {
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mailcase-generator-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one file per message in cur/ with the generated octets', async () => {
    const result = await writeMaildir(path.join(dir, 'box'), { seed: SEED, count: 25 });
    const names = (await readdir(path.join(dir, 'box', 'cur'))).sort();
    expect(names.length).toBe(25);
    expect((await readFile(path.join(dir, 'box', 'cur', names[24] ?? ''))).equals(raws[24] ?? Buffer.alloc(0))).toBe(true);
    expect(result.messages.length).toBe(25);
  });

  it('creates new/ and tmp/', async () => {
    await writeMaildir(path.join(dir, 'empty'), { seed: SEED, count: 0 });
    expect((await readdir(path.join(dir, 'empty'))).sort()).toEqual(['cur', 'new', 'tmp']);
  });

  it('writes the ground truth file with its schema version', async () => {
    await writeMaildir(path.join(dir, 'with-truth'), { seed: SEED, count: 25, groundTruthFile: path.join(dir, 'truth.json') });
    const file = JSON.parse(await readFile(path.join(dir, 'truth.json'), 'utf8')) as { schemaVersion: number; count: number };
    expect(file.schemaVersion).toBe(1);
    expect(file.count).toBe(25);
  });
});
