// Plans each message of the demo mailbox from (seed, index) alone: its date, correspondents, thread, subject,
// body text and attachments. Threads point back to earlier messages by re-deriving those messages' plans.
import type { DemoPerson, DemoProfile } from './demo-profile.js';
import {
  ATTACHMENT_NAMES,
  CLOSINGS_EN,
  DOCUMENT_LINES,
  GENERAL_SENTENCES,
  GERMAN_LETTERS,
  GREETINGS_EN,
  JAPANESE_LETTERS,
  JOB_TITLES,
  PHONE_NUMBERS,
  RUSSIAN_LETTERS,
  SPREADSHEET_ITEMS,
  TOPICS,
  UTF8_SENTENCES,
  WEEKDAYS,
  type ForeignLetter,
  type Topic,
} from './generator-content.js';
import { buildDocx, buildPdf, buildXlsx, buildZip } from './file-builders.js';
import { classifyAddresses, domainOf } from './generator-classify.js';
import type { GeneratorCharset } from './generator-encoding.js';
import { createRandom, type GeneratorRandom } from './generator-random.js';
import { scenarioAt, type Scenario, type ScenarioContext, type StartOptions } from './generator-scenarios.js';
import type { BodyFormat, MessagePlan, PlanAddress, PlanAttachment } from './generator-types.js';

/** Average gap between two messages; 2,000 messages then span about four and a half months. */
export const MESSAGE_STEP_MINUTES = 97;

/** Date of message 0 when the caller gives none. */
export const DEFAULT_START_DATE = '2025-09-01T06:30:00.000Z';

/** Maximum distance, in messages, from a reply or forward back to the message it replies to or forwards. */
const MAX_THREAD_DISTANCE = 10;

/** Most message-ids kept in a References header; older ones are dropped, as many mail clients do. */
const MAX_REFERENCES = 10;

/** Plans kept for thread look-ups; sequential generation needs only the last few. */
const SKELETON_CACHE_SIZE = 256;

const LOWER_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Host that competitor, look-alike and near-miss senders' message-ids and relays use, so those domains appear only in address headers. */
const NEUTRAL_RELAY_HOST = 'smtp.mailrelay.example';

type Category = 'colleague' | 'supplier' | 'foreign' | 'webmail';

type Direction = 'in' | 'out';

interface TopicValues {
  po: string;
  supplier: string;
  day: string;
  amount: string;
  qty: string;
}

/** The cheap part of a message's plan that replies and forwards of later messages need. */
interface Skeleton {
  index: number;
  date: Date;
  token: string;
  scenario: Scenario | null;
  category: Category;
  direction: Direction;
  correspondent: DemoPerson;
  letter: ForeignLetter | null;
  topic: Topic;
  values: TopicValues;
  baseSubject: string;
  prefix: '' | 'Re: ' | 'Fwd: ';
  parent: Skeleton | null;
  references: string[];
}

/** UTC offsets of the organisations' mail servers, in minutes. */
const OFFSET_BY_DOMAIN: Record<string, number> = {
  'halvorsen-instruments.example': 60,
  'kappa-components.example': 60,
  'osterberg-metalle.example': 60,
  'volga-optics.example': 180,
  'sakura-precision.example': 540,
  'norwind.example': 60,
  'sableridge.example': -300,
};

/** Maps a uniform roll to a correspondent category: 45 % colleagues, 33 % suppliers, 14 % foreign letters, 8 % webmail. */
function pickCategory(roll: number): Category {
  if (roll < 0.45) {
    return 'colleague';
  }
  if (roll < 0.78) {
    return 'supplier';
  }
  return roll < 0.92 ? 'foreign' : 'webmail';
}

function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder: string, key: string) => values[key] ?? placeholder);
}

/**
 * Returns the name a person signs with: the display name without a bracketed company, or the start of the
 * address when the display name is an address. Bodies never repeat a display name that plants a company name.
 */
function signatureName(person: DemoPerson): string {
  if (person.name.includes('@') || person.name === '') {
    const first = person.address.split(/[.@]/)[0] ?? 'there';
    return first.charAt(0).toUpperCase() + first.slice(1);
  }
  return person.name.replace(/\s*\(.*\)\s*$/, '');
}

/** Returns the first name used in a greeting, or "all" for a shared mailbox such as a desk or a team. */
function greetingName(person: DemoPerson): string {
  if (/Desk|Team|Dispatch|Procurement|Recruiting/.test(person.name)) {
    return 'all';
  }
  const name = signatureName(person);
  return name.split(' ')[0] ?? name;
}

/** Formats a Date header value (RFC 5322 section 3.3) in the given UTC offset. */
export function formatRfc5322Date(date: Date, offsetMinutes: number): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][local.getUTCDay()] ?? 'Mon';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][local.getUTCMonth()] ?? 'Jan';
  const two = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const zone = `${sign}${two(Math.floor(absolute / 60))}${two(absolute % 60)}`;
  const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`;
  return `${weekday}, ${local.getUTCDate()} ${month} ${local.getUTCFullYear()} ${time} ${zone}`;
}

/** Returns the UTC offset of a sender's domain in minutes. */
export function offsetOfDomain(domain: string): number {
  return OFFSET_BY_DOMAIN[domain] ?? 0;
}

/** Plans the messages of one seeded mailbox; every method depends only on the seed, the options and the index. */
export class MailboxPlanner {
  private readonly skeletons = new Map<number, Skeleton>();
  private readonly benignDomains: ReadonlySet<string>;

  constructor(
    private readonly seed: number,
    private readonly startMs: number,
    private readonly hasAttachments: boolean,
    private readonly profile: DemoProfile,
  ) {
    this.benignDomains = new Set([
      profile.company.domain,
      ...profile.suppliers.map((s) => s.domain),
      ...profile.webmailDomains,
    ]);
  }

  /** Returns the host a sender's message-ids and relays name. */
  hostFor(address: string): string {
    const domain = domainOf(address);
    return this.benignDomains.has(domain) ? `mail.${domain}` : NEUTRAL_RELAY_HOST;
  }

  /** Plans message `index` in full, with its planted items and near misses. */
  plan(index: number): MessagePlan {
    const skeleton = this.skeleton(index);
    const plan = skeleton.scenario === null ? this.ordinaryPlan(skeleton) : this.scenarioPlan(skeleton, skeleton.scenario);

    const classified = classifyAddresses(plan, this.profile);
    plan.planted.unshift(...classified.planted);
    plan.nearMisses.unshift(...classified.nearMisses);
    return plan;
  }

  private dateOf(index: number): Date {
    const random = createRandom(this.seed, index, 'date');
    const jitterSeconds = random.int(0, MESSAGE_STEP_MINUTES * 60 - 1);
    return new Date(this.startMs + index * MESSAGE_STEP_MINUTES * 60_000 + jitterSeconds * 1000);
  }

  private messageIdOf(skeleton: Skeleton): string {
    const sender = skeleton.direction === 'out' ? this.profile.suspect.address : skeleton.correspondent.address;
    return `<${skeleton.token}@${this.hostFor(sender)}>`;
  }

  private skeleton(index: number): Skeleton {
    const cached = this.skeletons.get(index);
    if (cached !== undefined) {
      return cached;
    }
    const skeleton = this.createSkeleton(index);
    if (this.skeletons.size >= SKELETON_CACHE_SIZE) {
      const oldest = this.skeletons.keys().next();
      if (oldest.done !== true) {
        this.skeletons.delete(oldest.value);
      }
    }
    this.skeletons.set(index, skeleton);
    return skeleton;
  }

  private createSkeleton(index: number): Skeleton {
    const random = createRandom(this.seed, index, 'plan');
    const profile = this.profile;
    const token = `${random.chars(LOWER_LETTERS, 12)}.${random.chars(LOWER_LETTERS, 8)}`;

    const category = pickCategory(random.next());
    const topic = random.pick(TOPICS);
    const englishSuppliers = profile.suppliers.slice(0, 2);
    const values: TopicValues = {
      po: `PO-${random.int(10000, 99999)}`,
      supplier: random.pick(englishSuppliers).name,
      day: random.pick(WEEKDAYS),
      amount: `EUR ${random.int(1, 98)},${random.int(100, 999)}.00`,
      qty: String(random.int(12, 480)),
    };
    const threadRoll = random.next();
    const distance = random.int(1, MAX_THREAD_DISTANCE);
    const isOutbound = random.chance(0.5);

    let letter: ForeignLetter | null = null;
    let correspondent: DemoPerson;
    let direction: Direction = 'in';
    switch (category) {
      case 'colleague':
        correspondent = random.pick(profile.colleagues);
        direction = isOutbound ? 'out' : 'in';
        break;
      case 'supplier':
        correspondent = random.pick(englishSuppliers.flatMap((s) => s.people));
        direction = isOutbound ? 'out' : 'in';
        break;
      case 'foreign':
        letter = random.pick([...GERMAN_LETTERS, ...RUSSIAN_LETTERS, ...JAPANESE_LETTERS]);
        correspondent = this.foreignSender(letter);
        break;
      case 'webmail':
        correspondent = random.pick(profile.webmailContacts);
        break;
    }

    const skeleton: Skeleton = {
      index,
      date: this.dateOf(index),
      token,
      scenario: scenarioAt(this.seed, index),
      category,
      direction,
      correspondent,
      letter,
      topic,
      values,
      baseSubject: letter === null ? fillPlaceholders(topic.subject, { ...values }) : letter.subject,
      prefix: '',
      parent: null,
      references: [],
    };
    if (skeleton.scenario !== null || index === 0) {
      return skeleton;
    }

    const parent = this.isThreadCandidate(category) ? this.skeleton(Math.max(0, index - distance)) : null;
    if (parent === null || !this.isThreadable(parent)) {
      return skeleton;
    }
    if (threadRoll < 0.5 && parent.category === category) {
      return {
        ...skeleton,
        correspondent: parent.correspondent,
        direction: parent.direction === 'in' ? 'out' : 'in',
        topic: parent.topic,
        values: parent.values,
        baseSubject: parent.baseSubject,
        prefix: 'Re: ',
        parent,
        references: [...parent.references, this.messageIdOf(parent)].slice(-MAX_REFERENCES),
      };
    }
    if (threadRoll >= 0.5 && threadRoll < 0.7 && category === 'colleague' && parent.category === 'supplier' && parent.direction === 'in') {
      return {
        ...skeleton,
        direction: 'out',
        topic: parent.topic,
        values: parent.values,
        baseSubject: parent.baseSubject,
        prefix: 'Fwd: ',
        parent,
        references: [this.messageIdOf(parent)],
      };
    }
    return skeleton;
  }

  private isThreadCandidate(category: Category): boolean {
    return category === 'colleague' || category === 'supplier';
  }

  /** Tells whether a later message may reply to or forward this one: only ordinary English mail, never planted mail. */
  private isThreadable(skeleton: Skeleton): boolean {
    return skeleton.scenario === null && this.isThreadCandidate(skeleton.category) && skeleton.prefix !== 'Fwd: ';
  }

  private foreignSender(letter: ForeignLetter): DemoPerson {
    const byLanguage: Record<ForeignLetter['language'], [number, number]> = { de: [2, 0], fr: [2, 1], ru: [3, 0], ja: [4, 0] };
    const [supplierIndex, personIndex] = byLanguage[letter.language];
    const person = this.profile.suppliers[supplierIndex]?.people[personIndex];
    if (person === undefined) {
      throw new Error(`DEMO_PROFILE has no ${letter.language} supplier contact`);
    }
    return person;
  }

  /** Writes the English paragraphs of an ordinary message; replies and forwards re-derive them to quote them. */
  private englishParagraphs(skeleton: Skeleton): string[] {
    const random = createRandom(this.seed, skeleton.index, 'body');
    const values = { ...skeleton.values };
    const count = skeleton.prefix === '' ? random.int(3, 5) : random.int(2, 3);
    const topicSentences = random.sample(skeleton.topic.sentences, skeleton.topic.sentences.length);
    const paragraphs: string[] = [];
    for (let p = 0; p < count; p++) {
      const chosen = topicSentences.splice(0, random.int(1, 2));
      if (chosen.length === 0 || random.chance(0.5)) {
        chosen.push(random.pick(GENERAL_SENTENCES));
      }
      paragraphs.push(chosen.map((s) => fillPlaceholders(s, values)).join(' '));
    }
    return paragraphs.filter((p) => p.length > 0);
  }

  private addressOf(person: DemoPerson, charset?: GeneratorCharset): PlanAddress {
    return charset === undefined ? { name: person.name, address: person.address } : { name: person.name, address: person.address, charset };
  }

  private signature(person: DemoPerson, random: GeneratorRandom): string[] {
    const domain = domainOf(person.address);
    const organisation =
      domain === this.profile.company.domain
        ? this.profile.company.name
        : (this.profile.suppliers.find((s) => s.domain === domain)?.name ?? null);
    const lines = [signatureName(person)];
    const title = JOB_TITLES[person.address];
    if (title !== undefined) {
      lines.push(title);
    }
    if (organisation !== null) {
      lines.push(organisation, `Tel. ${random.pick(PHONE_NUMBERS)}`);
    }
    return lines;
  }

  /** Creates an English plan between the suspect and one correspondent, shared by ordinary and planted mail. */
  private englishPlan(skeleton: Skeleton, direction: Direction, correspondent: DemoPerson, paragraphs: string[], format: BodyFormat): MessagePlan {
    const random = createRandom(this.seed, skeleton.index, 'layout');
    const suspect: DemoPerson = { name: this.profile.suspect.name, address: this.profile.suspect.address };
    const sender = direction === 'out' ? suspect : correspondent;
    const recipient = direction === 'out' ? correspondent : suspect;
    const charset: GeneratorCharset = format === 'plain-7bit' ? 'us-ascii' : 'utf-8';

    const body = [fillPlaceholders(random.pick(GREETINGS_EN), { first: greetingName(recipient) }), ...paragraphs];
    if (charset === 'utf-8' && random.chance(0.3)) {
      body.splice(body.length - 1, 0, random.pick(UTF8_SENTENCES));
    }
    const trailer = [random.pick(CLOSINGS_EN), ...this.signature(sender, random)];

    const cc: PlanAddress[] = [];
    if (random.chance(0.2)) {
      const colleague = random.pick(this.profile.colleagues);
      if (colleague.address !== correspondent.address) {
        cc.push(this.addressOf(colleague));
      }
    }

    return {
      index: skeleton.index,
      date: skeleton.date,
      offsetMinutes: offsetOfDomain(domainOf(sender.address)),
      from: this.addressOf(sender),
      to: [this.addressOf(recipient)],
      cc,
      bcc: [],
      replyTo: null,
      returnPath: sender.address,
      subject: skeleton.prefix + skeleton.baseSubject,
      messageId: `<${skeleton.token}@${this.hostFor(sender.address)}>`,
      inReplyTo: null,
      references: [],
      charset,
      format,
      paragraphs: body,
      trailer,
      attachments: [],
      planted: [],
      nearMisses: [],
      xMailer: random.pick(['Microsoft Outlook 16.0', 'Mozilla Thunderbird', null, null]),
    };
  }

  private pickEnglishFormat(random: GeneratorRandom): BodyFormat {
    const roll = random.next();
    if (roll < 0.3) {
      return 'plain-7bit';
    }
    if (roll < 0.45) {
      return 'plain-qp';
    }
    if (roll < 0.8) {
      return 'alternative-qp';
    }
    return roll < 0.95 ? 'alternative-base64' : 'html-qp';
  }

  private ordinaryPlan(skeleton: Skeleton): MessagePlan {
    if (skeleton.letter !== null) {
      return this.foreignPlan(skeleton, skeleton.letter);
    }
    const random = createRandom(this.seed, skeleton.index, 'format');
    const plan = this.englishPlan(skeleton, skeleton.direction, skeleton.correspondent, this.englishParagraphs(skeleton), this.pickEnglishFormat(random));
    const parent = skeleton.parent;

    if (parent !== null && skeleton.prefix === 'Re: ') {
      const parentSender = parent.direction === 'out' ? this.profile.suspect : parent.correspondent;
      plan.inReplyTo = this.messageIdOf(parent);
      plan.references = skeleton.references;
      plan.trailer.push('', `On ${formatRfc5322Date(parent.date, offsetOfDomain(domainOf(parentSender.address)))}, ${parentSender.name} <${parentSender.address}> wrote:`);
      for (const paragraph of this.englishParagraphs(parent)) {
        plan.trailer.push(...wrapText(paragraph, 70).map((line) => `> ${line}`), '>');
      }
    }
    if (parent !== null && skeleton.prefix === 'Fwd: ') {
      plan.paragraphs.splice(1, plan.paragraphs.length - 1, random.pick(['FYI, see below.', 'Forwarding this for your information.', 'Can you take care of this one?']));
      plan.references = skeleton.references;
      plan.trailer.push(
        '',
        '---------- Forwarded message ---------',
        `From: ${parent.correspondent.name} <${parent.correspondent.address}>`,
        `Date: ${formatRfc5322Date(parent.date, offsetOfDomain(domainOf(parent.correspondent.address)))}`,
        `Subject: ${parent.prefix}${parent.baseSubject}`,
        `To: ${this.profile.suspect.name} <${this.profile.suspect.address}>`,
        '',
      );
      for (const paragraph of this.englishParagraphs(parent)) {
        plan.trailer.push(...wrapText(paragraph, 72), '');
      }
    }

    if (this.hasAttachments && random.chance(0.12)) {
      plan.attachments.push(this.ordinaryAttachment(createRandom(this.seed, skeleton.index, 'attachment'), skeleton.values.po));
    }
    return plan;
  }

  private foreignPlan(skeleton: Skeleton, letter: ForeignLetter): MessagePlan {
    const random = createRandom(this.seed, skeleton.index, 'format');
    let charset: GeneratorCharset;
    let format: BodyFormat;
    if (letter.language === 'ja') {
      charset = 'iso-2022-jp';
      format = 'plain-7bit';
    } else if (letter.language === 'ru') {
      const isKoi8 = random.chance(0.4);
      charset = isKoi8 ? 'koi8-r' : 'windows-1251';
      format = isKoi8 ? 'plain-8bit' : 'plain-base64';
    } else {
      const isLatin1 = random.chance(0.7);
      charset = isLatin1 ? 'iso-8859-1' : 'utf-8';
      format = isLatin1 ? 'plain-qp' : 'plain-8bit';
    }

    const sender = skeleton.correspondent;
    const suspect = this.profile.suspect;
    const plan: MessagePlan = {
      index: skeleton.index,
      date: skeleton.date,
      offsetMinutes: offsetOfDomain(domainOf(sender.address)),
      from: this.addressOf(sender, charset),
      to: [{ name: suspect.name, address: suspect.address }],
      cc: [],
      bcc: [],
      replyTo: null,
      returnPath: sender.address,
      subject: letter.subject,
      messageId: `<${skeleton.token}@${this.hostFor(sender.address)}>`,
      inReplyTo: null,
      references: [],
      charset,
      format,
      paragraphs: [letter.greeting, ...letter.body],
      trailer: letter.closing,
      attachments: [],
      planted: [],
      nearMisses: [],
      xMailer: null,
    };
    if (this.hasAttachments && letter.language === 'de' && random.chance(0.5)) {
      const lines = ['Auftragsbestätigung', 'Osterberg Metalle', 'Edelstahlflansche, Dichtungsringe', `Bestellung ${skeleton.values.po}`];
      plan.attachments.push({ filename: 'Auftragsbestätigung.pdf', contentType: 'application/pdf', build: () => buildPdf(lines) });
    }
    return plan;
  }

  /** Creates an ordinary attachment that carries no planted item: a PDF, DOCX, XLSX or plain ZIP. */
  ordinaryAttachment(random: GeneratorRandom, po: string): PlanAttachment {
    const kind = random.pick(['pdf', 'docx', 'xlsx', 'zip'] as const);
    const lines = [...random.sample(DOCUMENT_LINES, 4), `Reference ${po}`];
    const stem = random.pick(ATTACHMENT_NAMES[kind]);
    switch (kind) {
      case 'pdf':
        return { filename: `${stem}.pdf`, contentType: 'application/pdf', build: () => buildPdf(lines) };
      case 'docx':
        return {
          filename: `${stem}.docx`,
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          build: () => buildDocx(lines),
        };
      case 'xlsx': {
        const rows = [['Item', 'Quantity', 'Unit price EUR']];
        for (const item of random.sample(SPREADSHEET_ITEMS, random.int(2, 5))) {
          rows.push([item, String(random.int(10, 500)), `${random.int(1, 99)}.${random.int(10, 99)}`]);
        }
        return {
          filename: `${stem}.xlsx`,
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          build: () => buildXlsx(rows),
        };
      }
      case 'zip': {
        const csv = ['Item,Quantity', ...random.sample(SPREADSHEET_ITEMS, 3).map((item) => `${item},${random.int(10, 500)}`)].join('\r\n');
        return {
          filename: `${stem}.zip`,
          contentType: 'application/zip',
          build: () =>
            buildZip([
              { name: 'packing-list.txt', data: Buffer.from(lines.join('\r\n'), 'utf8') },
              { name: 'quantities.csv', data: Buffer.from(csv, 'utf8') },
            ]),
        };
      }
    }
  }

  private scenarioPlan(skeleton: Skeleton, scenario: Scenario): MessagePlan {
    const random = createRandom(this.seed, skeleton.index, 'scenario');
    let plan: MessagePlan | null = null;
    const requirePlan = (): MessagePlan => {
      if (plan === null) {
        throw new Error(`Scenario ${scenario.id} must call start() first`);
      }
      return plan;
    };

    const context: ScenarioContext = {
      random,
      profile: this.profile,
      hasAttachments: this.hasAttachments,
      start: (options: StartOptions) => {
        plan = this.startScenarioPlan(skeleton, options, random);
        return plan;
      },
      addParagraph: (text: string) => {
        const current = requirePlan();
        const position = random.int(1, current.paragraphs.length);
        current.paragraphs.splice(position, 0, text);
      },
      plant: (kind, value, location) => {
        requirePlan().planted.push({ kind, value, location });
      },
      nearMiss: (kind, value, location, why) => {
        requirePlan().nearMisses.push({ kind, value, location, why });
      },
      attach: (attachment, kinds = []) => {
        const current = requirePlan();
        if (!this.hasAttachments) {
          return false;
        }
        current.attachments.push(attachment);
        for (const kind of kinds) {
          current.planted.push({ kind, value: attachment.filename, location: `attachment:${attachment.filename}` });
        }
        return true;
      },
      ordinaryAttachment: () => this.ordinaryAttachment(createRandom(this.seed, skeleton.index, 'attachment'), skeleton.values.po),
    };

    scenario.build(context);
    return requirePlan();
  }

  private startScenarioPlan(skeleton: Skeleton, options: StartOptions, random: GeneratorRandom): MessagePlan {
    if (options.letter !== undefined) {
      const plan = this.foreignPlan({ ...skeleton, letter: options.letter, correspondent: this.foreignSender(options.letter) }, options.letter);
      plan.attachments = [];
      return plan;
    }
    const format = options.format ?? random.pick<BodyFormat>(['plain-7bit', 'plain-qp', 'alternative-qp']);
    const paragraphs = this.englishParagraphs({ ...skeleton, prefix: '' });
    const plan = this.englishPlan(skeleton, options.direction, options.correspondent, paragraphs, format);
    // The skeleton's subject may be a foreign letter's; planted mail is English, so it takes the topic's subject.
    plan.subject = options.subject ?? fillPlaceholders(skeleton.topic.subject, { ...skeleton.values });
    plan.cc = [];
    return plan;
  }
}

/** Wraps text at spaces so lines stay within `width` characters; a "\n" in the text forces a break. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const segment of text.split('\n')) {
    let current = '';
    for (const word of segment.split(' ')) {
      if (current.length > 0 && current.length + 1 + word.length > width) {
        lines.push(current);
        current = word;
      } else {
        current = current.length > 0 ? `${current} ${word}` : word;
      }
    }
    lines.push(current);
  }
  return lines;
}
