import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseMessage } from '../../electron/parsing/parse-message.js';
import type { MessageRecord } from '../../shared/types.js';

const CORPUS = path.resolve('test/fixtures/corpus');

/** Corpus files that are mbox folders rather than single messages (see SOURCES.md). */
const MBOX_FILE = /mbox|\.rlug$/i;

/**
 * Time allowed for one corpus file, in milliseconds. It only stops a hang from blocking the suite; real parses
 * take a small fraction of it.
 */
const FILE_TIMEOUT_MS = 120_000;

const CORPUS_FILES = readdirSync(CORPUS)
  .filter((name) => name !== 'SOURCES.md')
  .sort();

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Splits an mbox file at every line that starts with "From ", dropping that separator line. This trivial split is
 * enough to feed the corpus to the parser; the real importer also undoes ">From " escaping and reads
 * Content-Length.
 */
function splitMbox(raw: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let offset = 0; offset < raw.length; offset = raw.indexOf(0x0a, offset) + 1) {
    if (raw.subarray(offset, offset + 5).toString('latin1') === 'From ') starts.push(offset);
    if (raw.indexOf(0x0a, offset) === -1) break;
  }
  return starts.map((start, index) => {
    const lineEnd = raw.indexOf(0x0a, start);
    const end = starts[index + 1] ?? raw.length;
    return raw.subarray(lineEnd === -1 ? end : Math.min(lineEnd + 1, end), end);
  });
}

async function readMessages(name: string): Promise<Buffer[]> {
  const raw = await readFile(path.join(CORPUS, name));
  return MBOX_FILE.test(name) ? splitMbox(raw) : [raw];
}

async function parseCorpusMessage(name: string, index = 0): Promise<MessageRecord> {
  const message = (await readMessages(name))[index];
  if (message === undefined) throw new Error(`${name} has no message ${index}`);
  return parseMessage(message, { sha256: sha256(message), size: message.length, sources: [] });
}

interface EmbeddedExpectation {
  subject: string;
  attachments: (string | null)[];
  sentence: string | null;
}

interface CorpusExpectation {
  file: string;
  /** Index of the message inside an mbox file. */
  index?: number;
  subject: string;
  from: string[];
  to: string[];
  attachments: (string | null)[];
  /** A sentence the body text contains, or null for a message whose body has none. */
  sentence: string | null;
  /** charsetUsed of every decoded text part, in part order. */
  charsets: string[];
  embedded?: EmbeddedExpectation[];
}

const EXPECTED: CorpusExpectation[] = [
  {
    file: 'MailCore-mailcore2__1015-windows-1252.eml',
    subject: 'Re: Test test',
    from: ['test@test.net'],
    to: ['test@test.net'],
    attachments: [],
    sentence: 'So I guess I have an issue with Siri on one of my iPads, which is why the microphone wasn’t showing up.',
    charsets: ['windows-1252'],
  },
  {
    file: 'MailCore-mailcore2__1021-chinese.eml',
    subject: '哈哈',
    from: ['wujyou@qq.com'],
    to: ['wujingyou@189.cn'],
    attachments: [],
    sentence: '哈哈',
    charsets: ['gb18030', 'gb18030'],
  },
  {
    file: 'MailCore-mailcore2__1798-korean.eml',
    subject: '[주말특가] 일본정품 후끈후끈 핫팩, 손난로 주말특가!',
    from: ['mall@earlyadopter.co.kr'],
    to: ['dhjang@teramail.com'],
    attachments: [],
    sentence: '[http://shop.earlyadopter.co.kr/data/design/DM/2009DM/head_20110107.jpg]',
    charsets: ['cp949'],
  },
  {
    file: 'MailCore-mailcore2__1808-winmail-dat.eml',
    subject: 'RE\u00a0: TR : Installation Hyperion sous Linux',
    from: ['noureddine.rhallam@agrostar.fr'],
    to: ['prout@prout.com'],
    attachments: ['winmail.dat'],
    sentence: "Qu'elle est la procédure pour exporter la base ves Linux SVP.",
    charsets: ['windows-1252'],
    // The TNEF body is compressed RTF only.
    embedded: [
      {
        subject: 'RE\u00a0: TR : Installation Hyperion sous Linux',
        attachments: ['GIR - LINUX.doc'],
        sentence: "Qu'elle est la procédure pour exporter la base ves Linux SVP.",
      },
    ],
  },
  {
    file: 'MailCore-mailcore2__2195-greek.eml',
    subject: 'Έκδοση μηνιαίου λογαριασμού  15/02/2011',
    from: ['eBill@cosmote.gr'],
    to: ['g.panayotou@gmail.com'],
    attachments: [],
    sentence: 'Σας ευχαριστούμε που έχετε επιλέξει την υπηρεσία e-Bill της Cosmote',
    charsets: ['utf-8'],
  },
  {
    file: 'MailCore-mailcore2__4850-russian.eml',
    subject: 'Рассылка: Уведомление участникам тендеров',
    from: ['ngd@mail.uz'],
    to: ['tulkibaev.erbol@jgc.co.jp'],
    attachments: [],
    sentence: 'Уведомление участникам тендера № 158/11',
    charsets: ['windows-1251'],
  },
  {
    file: 'MailCore-mailcore2__4925-japanese.eml',
    subject: 'ＥＴＣマイレージからのお知らせ',
    from: ['admin@ml.smile-etc.jp'],
    to: [],
    attachments: [],
    sentence: '誠にありがとうございます。',
    charsets: ['iso-2022-jp'],
  },
  {
    file: 'MailCore-mailcore2__989-encoding-6.eml',
    subject: 'Re: Test test',
    from: ['test@test.net'],
    to: ['test@test.net'],
    attachments: [],
    sentence: 'Здравствуйте, Алекс. Кажется, вы сделали очень хорошую вещь, спасибо.',
    charsets: ['windows-1251'],
  },
  {
    file: 'apache-spamassassin__big5-base64.1',
    subject: '[SLAT-talk] 鉅靡6月17日新片又到.如有重複寄發.敬請原諒!．．．．．．鉅靡6月17日新片又到.如有重複寄發.敬請原諒!．．．',
    from: ['y971880896@pchome.com.tw'],
    to: ['plateau@linux.org.tw'],
    attachments: [],
    sentence: '平均每10日就更新！',
    charsets: ['big5'],
  },
  {
    file: 'apache-spamassassin__gb2312.1',
    subject: '全新原装进口，送货上门，货到付款－台湾鑫龙商贸集团公司向您拜年!',
    from: ['1234@e34.com'],
    to: ['1234@e34.com'],
    attachments: [],
    sentence: '有意者请来人来电洽谈。',
    charsets: ['gb18030'],
  },
  {
    file: 'apache-spamassassin__iso-2022-jp.1',
    subject: 'MIME text/plain attach with Shift_JIS (CP932)',
    from: ['shinichiro@stained-g.net'],
    to: ['mhonarc-users@mhonarc.org'],
    attachments: ['test-sjis.txt'],
    sentence: 'Now, I try to test MHonArc2002-12-16-snap.',
    charsets: ['us-ascii', 'us-ascii', 'us-ascii', 'us-ascii'],
  },
  {
    file: 'mikel-mail__japanese_iso_2022.eml',
    subject: 'まみむめも',
    from: ['raasdnil@gmail.com'],
    to: ['raasdnil@gmail.com'],
    attachments: [],
    sentence: 'すみません。',
    charsets: ['iso-2022-jp'],
  },
  {
    file: 'mikel-mail__japanese_shift_jis.eml',
    subject: 'test',
    from: ['xxxxxxx@docomo.ne.jp'],
    to: ['unknown@example.com'],
    attachments: [],
    sentence: 'このメールはテスト用のメールです。',
    charsets: ['cp932'],
  },
  {
    file: 'mozilla-releases-comm-central__iso-2022-jp-qp.eml',
    subject: 'ISO-2022-JP and quoted-printable',
    from: ['test@example.com'],
    to: ['test@example.com'],
    attachments: [],
    sentence: '日本語の本文がQuoted Printableになっているもの',
    charsets: ['iso-2022-jp'],
  },
  {
    file: 'mozilla-releases-comm-central__shift-jis.eml',
    subject: 'ISO-2022-JP and 7bit containing =67 and hence looking like quoted-printable',
    from: ['test@example.com'],
    to: ['test@example.com'],
    attachments: [],
    sentence: '現況',
    charsets: ['cp932'],
  },
  {
    file: 'mikel-mail__ks_c_5601-1987.eml',
    subject: 'test',
    from: ['from@example.com'],
    to: ['unknown@example.com'],
    attachments: [],
    sentence: '스티해',
    charsets: ['cp949'],
  },
  {
    file: 'jstedfast-MimeKit__ukr.eml',
    subject: 'rr test 7',
    from: ['rrtest1@xink.io'],
    to: ['ems365sync@xink.io'],
    attachments: ['winmail.dat'],
    sentence: 'шостий',
    charsets: ['koi8-r'],
    embedded: [{ subject: 'rr test 7', attachments: [], sentence: 'шостий' }],
  },
  {
    file: 'SpamScope-mail-parser__mail_test_12',
    subject: '代开各地增值税发票',
    from: ['baoguan@hotmail.com'],
    to: ['danglüe@email.com'],
    attachments: [],
    sentence: '我公司可代开各类增值税发票',
    charsets: ['utf-8'],
  },
  {
    file: 'mozilla-releases-comm-central__bad-charset.eml',
    subject: 'plaintext + HMTL, both with a bad charset',
    from: ['test@example.com'],
    to: ['test@example.com'],
    attachments: [],
    sentence: 'Despite the bad charset we can find the search term Mätterhorn.',
    charsets: ['windows-1252', 'utf-8'],
  },
  {
    file: 'apache-james-mime4j__german.msg',
    subject: 'Re: 34Mbit/s Netz',
    from: ['deuschle@mnh.telekom.de'],
    to: ['specht@kulturbox.de'],
    attachments: [],
    sentence: 'Hallo Herr Specht,',
    charsets: ['windows-1252'],
  },
  {
    file: 'djcb-mu__arto.eml',
    subject: 'NIEUWSBRIEF ART OLIVE | juni exposite in galerie ArtOlive',
    from: ['artolive@mailinglijst.nl'],
    to: ['f00f@f00fmachines.nl'],
    attachments: [],
    sentence: 'Juni expositie bij ArtOlive: Peter van den Akker en Marinel Vieleers',
    charsets: ['iso-8859-15', 'iso-8859-15'],
  },
  {
    file: 'jstedfast-MimeKit__multipart-digest.txt',
    subject: '',
    from: ['user@domain.org'],
    to: [],
    attachments: [],
    sentence: null,
    charsets: [],
    embedded: [{ subject: 'submsg', attachments: [], sentence: null }],
  },
  {
    file: 'apache-james-mime4j__mp-msg-rfc822.msg',
    subject: '[Fwd: Re: 34Mbit/s Netz]',
    from: ['specht@kulturbox.de'],
    to: ['andreas.koenig@mind.de', 'kun@pop.combox.de', '101762.2307@compuserve.com'],
    attachments: [],
    sentence: 'Juergen Specht - KULTURBOX',
    charsets: ['us-ascii'],
    embedded: [{ subject: 'Re: 34Mbit/s Netz', attachments: [], sentence: 'Hallo Herr Specht,' }],
  },
  {
    file: 'mikel-mail__attachment_message_rfc822.eml',
    subject: 'testing',
    from: ['foo@example.com'],
    to: ['blah@example.com'],
    attachments: [],
    sentence: 'This is the first part.',
    charsets: ['windows-1252'],
    embedded: [{ subject: 'Another PDF', attachments: ['broken.pdf'], sentence: 'Just attaching another PDF, here, to see what the message looks like,' }],
  },
  {
    file: 'rspamd-rspamd__alternative-nested-rfc822.eml',
    subject: 'multipart/alternative with nested rfc822',
    from: ['test@test.com'],
    to: ['me@me.me'],
    attachments: ['spacer.png'],
    sentence: 'HTML only content - the sibling related has no text alternative',
    charsets: ['utf-8'],
    embedded: [{ subject: 'Inner message', attachments: [], sentence: 'This is the plain text version of the inner message.' }],
  },
  {
    file: 'rspamd-rspamd__exe_attm.eml',
    subject: 'test Sat, 26 Jan 2019 12:04:58 +0100',
    from: ['root@srv.example.com'],
    to: ['test@example.com'],
    attachments: ['hello_world.exe'],
    sentence: 'This is a test mailing',
    charsets: ['us-ascii'],
  },
  {
    file: 'mikel-mail__attachment_pdf.eml',
    subject: 'Another PDF with 🎉 Unicode chars in it 🍿',
    from: ['xxxx@xxxx.com'],
    to: ['xxxx@xxxx.com', 'xxxx@xxxx.com'],
    attachments: ['broken.pdf'],
    sentence: 'Just attaching another PDF, here, to see what the message looks like,',
    charsets: ['windows-1252'],
  },
  {
    file: 'mikel-mail__attachment_nonascii_filename.eml',
    subject: 'testing',
    from: ['foo@example.com'],
    to: ['blah@example.com'],
    attachments: ['ciële.txt'],
    sentence: 'This is the first part.',
    charsets: ['windows-1252'],
  },
  {
    file: 'apache-james-mime4j__attachment-filename-encoding-Latin1.msg',
    subject: '',
    from: [],
    to: [],
    attachments: ['attachment.äöü'],
    sentence: 'Attachment Test',
    charsets: ['utf-8'],
  },
  {
    file: 'mikel-mail__japanese_attachment_long_name.eml',
    subject: 'まみむめも'.repeat(10),
    from: ['mikel@test.lindsaar.net'],
    to: ['raasdnil@gmail.com'],
    attachments: [`${'かきくけこ'.repeat(5)}.txt`],
    sentence: null,
    charsets: [],
  },
  {
    file: 'apache-tika__testRFC822_encrypted_zip',
    subject: 'Test mail for Tika',
    from: ['juha.haaga@gmail.com'],
    to: ['juha.haaga@codenomicon.com'],
    attachments: ['test.zip'],
    sentence: 'Includes encrypted zip file as attachment.',
    charsets: ['utf-8', 'utf-8'],
  },
  {
    file: 'mailgun-flanker__russian-attachment-yahoo.eml',
    subject: 'Hello',
    from: ['mailboxaddr1234567@yahoo.com'],
    to: ['bob@example.com'],
    // The name is bare UTF-8 in the header and cut inside its last character upstream.
    attachments: ['Картинка с очень, очень длинным предлинным именем преименем таким чт\uFFFD'],
    sentence: 'Hello',
    charsets: ['us-ascii', 'us-ascii'],
  },
  {
    file: 'mailgun-flanker__from-encoding.eml',
    subject: 'Re: running server as root (Was: Re: PUT method)',
    from: ['ingo@blank.pages.de'],
    to: ['new-httpd@apache.org'],
    attachments: [],
    sentence: 'Marc Slemko wrote:',
    charsets: ['us-ascii'],
  },
  {
    file: 'apache-tika__testRFC822_i18nheaders',
    subject: 'If you can read this you understand the example.',
    from: ['keld@dkuug.dk'],
    to: ['a.person@example.com'],
    attachments: [],
    sentence: 'Examples taken from RFC 2047.',
    charsets: ['us-ascii'],
  },
  {
    file: 'mikel-mail__raw_email_with_nested_attachment.eml',
    subject: 'Testing attachments',
    from: ['jamis@37signals.com'],
    to: ['jamis@jamisbuck.org'],
    attachments: ['truncated.png', 'smime.p7s'],
    sentence: 'Here is a test of an attachment via email.',
    charsets: ['us-ascii'],
  },
];

describe('parseMessage on the public corpus', () => {
  it('finds all 209 corpus files', () => {
    expect(CORPUS_FILES).toHaveLength(209);
  });

  it.each(CORPUS_FILES)(
    'parses %s without altering it',
    async (name) => {
      for (const message of await readMessages(name)) {
        const before = sha256(message);

        const record = await parseMessage(message, { sha256: before, size: message.length, sources: [] });

        expect(sha256(message)).toBe(before);
        expect(record.sha256).toBe(before);
        expect(record.size).toBe(message.length);
        expect(record.schemaVersion).toBe(2);
        expect(JSON.parse(JSON.stringify(record))).toEqual(record);
      }
    },
    FILE_TIMEOUT_MS,
  );
});

describe('parseMessage corpus contents', () => {
  it('checks at least thirty messages', () => {
    expect(EXPECTED.filter((item) => item.sentence !== null).length).toBeGreaterThanOrEqual(30);
  });

  it.each(EXPECTED)(
    'reads $file',
    async (expected) => {
      const record = await parseCorpusMessage(expected.file, expected.index);

      expect(record.subject).toBe(expected.subject);
      expect(record.from.map((entry) => entry.address)).toEqual(expected.from);
      expect(record.to.map((entry) => entry.address)).toEqual(expected.to);
      expect(record.attachments.map((attachment) => attachment.filename)).toEqual(expected.attachments);
      if (expected.sentence !== null) expect(record.text).toContain(expected.sentence);
      expect(record.parts.flatMap((part) => (part.charsetUsed === null ? [] : [part.charsetUsed]))).toEqual(expected.charsets);

      const embedded = expected.embedded ?? [];
      expect(record.embedded.map((item) => item.subject)).toEqual(embedded.map((item) => item.subject));
      for (const [index, item] of embedded.entries()) {
        const child = record.embedded[index];
        expect(child?.parent?.sha256).toBe(record.sha256);
        expect(child?.attachments.map((attachment) => attachment.filename)).toEqual(item.attachments);
        if (item.sentence !== null) expect(child?.text).toContain(item.sentence);
      }
    },
    FILE_TIMEOUT_MS,
  );

  it('opens digest members two levels down', async () => {
    const record = await parseCorpusMessage('jstedfast-MimeKit__multipart-digest.txt');
    const digest = record.embedded[0];

    expect(digest?.parts.map((part) => [part.path, part.contentType])).toEqual([
      ['', 'multipart/digest'],
      ['1', 'message/rfc822'],
      ['2', 'message/rfc822'],
    ]);
    expect(digest?.embedded.map((item) => [item.parent?.partPath, item.subject, item.from[0]?.address, item.text])).toEqual([
      ['1', 'm1', 'm1@example.com', 'm1 body\n'],
      ['2', 'm2', 'm2@example.com', 'm2 body\n'],
    ]);
  });

  it('gives decoded display names', async () => {
    const i18n = await parseCorpusMessage('apache-tika__testRFC822_i18nheaders');
    const chinese = await parseCorpusMessage('MailCore-mailcore2__1021-chinese.eml');
    const latin1 = await parseCorpusMessage('mailgun-flanker__from-encoding.eml');

    expect(i18n.from[0]?.name).toBe('Keld Jørn Simonsen');
    expect(chinese.from[0]?.name).toBe('向左');
    expect(latin1.from[0]?.name).toBe('Ingo Lütkebohle');
  });

  it('reads messages of an mbox file', async () => {
    const messages = await readMessages('mozilla-releases-comm-central__mbox_modern');
    const records = await Promise.all(messages.map((message) => parseMessage(message, { sha256: sha256(message), size: message.length, sources: [] })));

    expect(records.map((record) => record.subject)).toEqual(['Sample message 1', 'Sample message 2']);
    expect(records.map((record) => record.to[0]?.address)).toEqual(['recipient@example.com', 'recipient@example.com']);
    expect(records.map((record) => record.date)).toEqual(['2018-08-24T11:55:47.000Z', '2018-08-23T09:10:23.000Z']);
    expect(records[0]?.text).toContain('This could cause problems, if a reader decides to split the message');
    expect(records[1]?.text).toBe('This is the second body.\n');
  });
});
