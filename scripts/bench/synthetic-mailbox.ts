// Builds the benchmark's synthetic mailbox from one seeded PRNG, so every run on every machine gets the same
// octets: mixed sizes, CRLF line endings, lines that start with "." and messages with 8-bit octets.
import { createHash } from 'node:crypto';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Size range of ordinary messages; sizes are spread log-uniformly across it. */
const MIN_MESSAGE_OCTETS = 1 * KIB;
const MAX_MESSAGE_OCTETS = 200 * KIB;

/** Size of the few large messages, and how many ordinary messages there are per large one. */
const LARGE_MESSAGE_OCTETS = 2 * MIB;
const MESSAGES_PER_LARGE_MESSAGE = 500;

/** Share of messages that contain dot-led lines, and the share of their body lines that are dot-led. */
const DOT_MESSAGE_SHARE = 0.5;
const DOT_LINE_SHARE = 0.03;

/** Lines in each pre-built line pool; message bodies draw their lines from these pools. */
const POOL_SIZE = 1024;

const CRLF = '\r\n';

/**
 * Dot-led lines put into message bodies. None starts with "..", so a line that starts with ".." in a client's
 * output can only be a stuffing dot the client failed to remove.
 */
const DOT_LINES = ['.', '. indented with a dot', '.signature', '.hidden-file.txt', '.5 percent of the budget', '.-- end of quote'];

const WORDS = [
  'the', 'invoice', 'meeting', 'shipment', 'account', 'transfer', 'please', 'confirm', 'before', 'friday', 'contract',
  'supplier', 'payment', 'attached', 'schedule', 'warehouse', 'quarter', 'report', 'budget', 'approval', 'client',
  'delivery', 'pricing', 'regards', 'project', 'deadline', 'numbers', 'update', 'call', 'tomorrow', 'office', 'review',
  'draft', 'final', 'signed', 'copy', 'order', 'reference', 'customs', 'freight', 'balance', 'ledger', 'and', 'of',
  'to', 'for', 'with', 'on', 'we', 'you', 'this', 'that', 'will', 'can', 'not', 'all', 'new', 'our', 'your', 'by',
];

/** Latin-1 letters; as single octets 0xC0-0xFF they are not valid UTF-8 on their own. */
const LATIN1_LETTERS = ['é', 'ü', 'ß', 'à', 'ö', 'ç', 'ñ', 'å'];

/** Non-ASCII text encoded as valid UTF-8. */
const UTF8_WORDS = ['café', 'Grüße', 'naïve', '€1200', 'façade', '日本語', 'Ελλάδα', 'Привет'];

type MessageKind = 'ascii' | 'latin1' | 'utf8' | 'attachment';

/** One message of the synthetic mailbox, with the traits the report counts. */
export interface SyntheticMessage {
  octets: Buffer;
  sha256: string;
  kind: MessageKind;
  dotLines: number;
  hasEightBitOctets: boolean;
}

/** The generated mailbox with totals for the report. */
export interface SyntheticMailbox {
  seed: number;
  messages: SyntheticMessage[];
  totalOctets: number;
  dotLineCount: number;
  eightBitMessageCount: number;
  largeMessageCount: number;
}

/**
 * Pseudo-random numbers from Marsaglia's xorshift32 generator: fast and fully determined by the seed, which is
 * all a reproducible benchmark needs. Not suitable for anything secret.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // xorshift32 stays at zero once its state is zero, so a zero seed is replaced by a fixed odd constant.
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x1_0000_0000;
  }

  /** Returns an integer in [min, max]. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Returns one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('SeededRandom.pick: the array is empty');
    return item;
  }
}

interface LinePools {
  ascii: Buffer[];
  latin1: Buffer[];
  utf8: Buffer[];
  base64: Buffer[];
  dot: Buffer[];
}

/**
 * Generates `messageCount` messages from `seed`, and the same arguments always give the same octets. With
 * `messageOctets` every message is about that size (its last line may overshoot by one line) and none is large.
 */
export function generateSyntheticMailbox(messageCount: number, seed: number, options: { messageOctets?: number } = {}): SyntheticMailbox {
  const random = new SeededRandom(seed);
  const pools = buildLinePools(random);
  const largeIndexes = options.messageOctets === undefined ? chooseLargeMessages(random, messageCount) : new Set<number>();

  const messages: SyntheticMessage[] = [];
  for (let index = 0; index < messageCount; index += 1) {
    const isLarge = largeIndexes.has(index);
    const targetOctets = isLarge ? LARGE_MESSAGE_OCTETS : (options.messageOctets ?? logUniformSize(random));
    const kind: MessageKind = isLarge ? 'attachment' : chooseKind(random);
    messages.push(buildMessage(random, pools, { index, seed, kind, targetOctets }));
  }

  return {
    seed,
    messages,
    totalOctets: messages.reduce((sum, message) => sum + message.octets.length, 0),
    dotLineCount: messages.reduce((sum, message) => sum + message.dotLines, 0),
    eightBitMessageCount: messages.filter((message) => message.hasEightBitOctets).length,
    largeMessageCount: largeIndexes.size,
  };
}

function chooseLargeMessages(random: SeededRandom, messageCount: number): Set<number> {
  const count = Math.min(messageCount, Math.max(1, Math.round(messageCount / MESSAGES_PER_LARGE_MESSAGE)));
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(random.integer(0, messageCount - 1));
  return chosen;
}

function logUniformSize(random: SeededRandom): number {
  return Math.round(MIN_MESSAGE_OCTETS * Math.pow(MAX_MESSAGE_OCTETS / MIN_MESSAGE_OCTETS, random.next()));
}

function chooseKind(random: SeededRandom): MessageKind {
  const roll = random.next();
  if (roll < 0.55) return 'ascii';
  if (roll < 0.7) return 'latin1';
  if (roll < 0.85) return 'utf8';
  return 'attachment';
}

function buildLinePools(random: SeededRandom): LinePools {
  const pools: LinePools = { ascii: [], latin1: [], utf8: [], base64: [], dot: DOT_LINES.map((line) => Buffer.from(line + CRLF, 'latin1')) };

  for (let index = 0; index < POOL_SIZE; index += 1) {
    const text = buildTextLine(random);
    pools.ascii.push(Buffer.from(text + CRLF, 'latin1'));
    pools.latin1.push(Buffer.from(sprinkle(random, text, LATIN1_LETTERS) + CRLF, 'latin1'));
    pools.utf8.push(Buffer.from(sprinkle(random, text, UTF8_WORDS) + CRLF, 'utf8'));

    // 57 random octets make one 76-character base64 line, as MIME encoders write them (RFC 2045 section 6.8).
    const octets = Buffer.alloc(57);
    for (let position = 0; position < octets.length; position += 1) octets[position] = random.integer(0, 255);
    pools.base64.push(Buffer.from(octets.toString('base64') + CRLF, 'latin1'));
  }
  return pools;
}

/** Returns a line of words, about 20 to 90 characters long, that never starts with ".". */
function buildTextLine(random: SeededRandom): string {
  const targetLength = random.integer(20, 78);
  const words: string[] = [];
  let length = 0;
  while (length < targetLength) {
    const word = random.pick(WORDS);
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ');
}

/** Inserts a few items between the words of a line. */
function sprinkle(random: SeededRandom, text: string, items: readonly string[]): string {
  const words = text.split(' ');
  const count = random.integer(1, 3);
  for (let inserted = 0; inserted < count; inserted += 1) {
    words.splice(random.integer(0, words.length), 0, random.pick(items));
  }
  return words.join(' ');
}

interface MessagePlan {
  index: number;
  seed: number;
  kind: MessageKind;
  targetOctets: number;
}

function buildMessage(random: SeededRandom, pools: LinePools, plan: MessagePlan): SyntheticMessage {
  const boundary = `mailcase-bench-${plan.seed}-${plan.index}`;
  const parts: Buffer[] = [Buffer.from(buildHeader(random, plan, boundary), 'latin1')];
  let size = parts[0]?.length ?? 0;
  const push = (line: Buffer): void => {
    parts.push(line);
    size += line.length;
  };

  const dotShare = random.next() < DOT_MESSAGE_SHARE ? DOT_LINE_SHARE : 0;
  let dotLines = 0;
  const textPool = textPoolFor(plan.kind, pools);
  const pushTextLine = (): void => {
    if (dotShare > 0 && random.next() < dotShare) {
      push(random.pick(pools.dot));
      dotLines += 1;
      return;
    }
    push(random.pick(textPool));
  };

  if (plan.kind === 'attachment') {
    const closing = Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1');
    push(Buffer.from(`--${boundary}${CRLF}Content-Type: text/plain; charset=us-ascii${CRLF}${CRLF}`, 'latin1'));
    for (let line = 0; line < 8; line += 1) pushTextLine();
    push(Buffer.from(`${CRLF}--${boundary}${CRLF}Content-Type: application/octet-stream; name="ledger-${plan.index}.bin"${CRLF}`, 'latin1'));
    push(Buffer.from(`Content-Transfer-Encoding: base64${CRLF}Content-Disposition: attachment; filename="ledger-${plan.index}.bin"${CRLF}${CRLF}`, 'latin1'));
    while (size + closing.length < plan.targetOctets) push(random.pick(pools.base64));
    push(closing);
  } else {
    while (size < plan.targetOctets) pushTextLine();
  }

  const octets = Buffer.concat(parts);
  return {
    octets,
    sha256: createHash('sha256').update(octets).digest('hex'),
    kind: plan.kind,
    dotLines,
    hasEightBitOctets: plan.kind === 'latin1' || plan.kind === 'utf8',
  };
}

function textPoolFor(kind: MessageKind, pools: LinePools): Buffer[] {
  if (kind === 'latin1') return pools.latin1;
  if (kind === 'utf8') return pools.utf8;
  return pools.ascii;
}

function buildHeader(random: SeededRandom, plan: MessagePlan, boundary: string): string {
  // One message per hour from 2024-01-01T00:00:00Z keeps the Date headers deterministic.
  const date = new Date(Date.UTC(2024, 0, 1) + plan.index * 3_600_000).toUTCString().replace('GMT', '+0000');
  const sender = `${random.pick(WORDS)}.${random.pick(WORDS)}`;
  const contentType = {
    ascii: `text/plain; charset=us-ascii${CRLF}Content-Transfer-Encoding: 7bit`,
    latin1: `text/plain; charset=iso-8859-1${CRLF}Content-Transfer-Encoding: 8bit`,
    utf8: `text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: 8bit`,
    attachment: `multipart/mixed; boundary="${boundary}"`,
  }[plan.kind];

  const fields = [
    `Return-Path: <${sender}@sender.example>`,
    `Received: from mx.sender.example (mx.sender.example [192.0.2.25]) by mail.suspect.example; ${date}`,
    `From: "${sender}" <${sender}@sender.example>`,
    'To: suspect@suspect.example',
    `Subject: Synthetic ${plan.kind} message ${plan.index + 1}`,
    `Date: ${date}`,
    `Message-ID: <bench-${plan.seed}-${plan.index + 1}@sender.example>`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
  ];
  return fields.join(CRLF) + CRLF + CRLF;
}
