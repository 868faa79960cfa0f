// Deterministic generator of the demo suspect mailbox: message i depends only on (seed, i), and the ground truth
// lists every planted item and near miss, for the demo server, the benchmarks and the rules' precision tests.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { APP_VERSION } from '../../shared/version.js';
import { DEMO_PROFILE } from './demo-profile.js';
import { renderMessage, type MailboxHosts } from './generator-mime.js';
import { DEFAULT_START_DATE, MailboxPlanner } from './generator-plan.js';
import { createRandom } from './generator-random.js';
import type { GeneratedMessage, GroundTruth, GroundTruthMessage, MailboxGeneratorOptions, NearMiss, PlantedItem } from './generator-types.js';

export type {
  GeneratedMessage,
  GroundTruth,
  GroundTruthMessage,
  MailboxGeneratorOptions,
  NearMiss,
  PlantedItem,
  PlantedKind,
} from './generator-types.js';
export type { DemoProfile } from './demo-profile.js';

/** Maximum count and message index the generator accepts: far above any benchmark, it catches a mistyped count. */
export const MAX_GENERATED_MESSAGES = 10_000_000;

/** A generator of one seeded mailbox. */
export interface MailboxGenerator {
  /** Yields messages 0 to count - 1 in order, one at a time. */
  messages(): AsyncIterable<GeneratedMessage>;
  /** Builds message `index`; indexes at or above count are later arrivals of the same mailbox. */
  message(index: number): Promise<GeneratedMessage>;
  /** Builds the ground truth of messages 0 to count - 1 (computed once, then cached). */
  groundTruth(): Promise<GroundTruth>;
}

/** One built message with its planted items, before the ground truth collects them. */
interface BuiltMessage {
  message: GeneratedMessage;
  summary: GroundTruthMessage;
  planted: PlantedItem[];
  nearMisses: NearMiss[];
}

function checkOptions(options: MailboxGeneratorOptions): number {
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new MailcaseError('INVALID_INPUT', `Generator seed must be a non-negative integer, got ${String(options.seed)}`);
  }
  if (!Number.isSafeInteger(options.count) || options.count < 0 || options.count > MAX_GENERATED_MESSAGES) {
    throw new MailcaseError('INVALID_INPUT', `Generator count must be an integer from 0 to ${MAX_GENERATED_MESSAGES}, got ${String(options.count)}`);
  }
  const startMs = Date.parse(options.startDate ?? DEFAULT_START_DATE);
  if (Number.isNaN(startMs)) {
    throw new MailcaseError('INVALID_INPUT', `Generator start date is not an ISO timestamp: ${String(options.startDate)}`);
  }
  // Whole seconds, because the Date header has no finer unit and the ground truth must equal it.
  return Math.floor(startMs / 1000) * 1000;
}

/** Returns the UIDL of message `index` of a seeded mailbox (RFC 1939 section 7: printable ASCII, at most 70 octets). */
export function generatedUidl(seed: number, index: number): string {
  return `mc${seed}-${index}`;
}

type MessageBuilder = (index: number) => Promise<BuiltMessage>;

/** Creates the function that builds message `index` with its ground-truth entries. */
function createMessageBuilder(options: MailboxGeneratorOptions): MessageBuilder {
  const startMs = checkOptions(options);
  const { seed } = options;
  const profile = DEMO_PROFILE;
  const planner = new MailboxPlanner(seed, startMs, options.attachments ?? true, profile);
  const hosts: MailboxHosts = {
    suspectAddress: profile.suspect.address,
    companyDomain: profile.company.domain,
    hostFor: (address) => planner.hostFor(address),
  };

  return async (index: number): Promise<BuiltMessage> => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_GENERATED_MESSAGES) {
      throw new MailcaseError('INVALID_INPUT', `Message index must be an integer from 0 to ${MAX_GENERATED_MESSAGES - 1}, got ${String(index)}`);
    }
    const plan = planner.plan(index);
    const raw = await renderMessage(plan, hosts, createRandom(seed, index, 'mime'));
    const uidl = generatedUidl(seed, index);
    return {
      message: { index, uidl, raw },
      summary: {
        index,
        uidl,
        sha256: createHash('sha256').update(raw).digest('hex'),
        size: raw.length,
        subject: plan.subject,
        date: plan.date.toISOString(),
      },
      planted: plan.planted.map((item) => ({ kind: item.kind, value: item.value, messageIndex: index, uidl, location: item.location })),
      nearMisses: plan.nearMisses.map((item) => ({
        kind: item.kind,
        value: item.value,
        messageIndex: index,
        uidl,
        location: item.location,
        why: item.why ?? '',
      })),
    };
  };
}

function emptyGroundTruth(options: MailboxGeneratorOptions): GroundTruth {
  return {
    seed: options.seed,
    count: options.count,
    attachments: options.attachments ?? true,
    profile: DEMO_PROFILE,
    planted: [],
    nearMisses: [],
    messages: [],
  };
}

function addToGroundTruth(truth: GroundTruth, built: BuiltMessage): void {
  truth.messages.push(built.summary);
  truth.planted.push(...built.planted);
  truth.nearMisses.push(...built.nearMisses);
}

/**
 * Creates the generator of one seeded mailbox; throws INVALID_INPUT for a bad seed, count or start date.
 * Message i depends only on the seed, i, `attachments` and `startDate`; count only bounds messages() and groundTruth().
 */
export function createMailboxGenerator(options: MailboxGeneratorOptions): MailboxGenerator {
  const build = createMessageBuilder(options);
  const { count } = options;

  let groundTruth: Promise<GroundTruth> | undefined;
  const collectGroundTruth = async (): Promise<GroundTruth> => {
    const truth = emptyGroundTruth(options);
    for (let index = 0; index < count; index++) {
      addToGroundTruth(truth, await build(index));
    }
    return truth;
  };

  return {
    async *messages() {
      for (let index = 0; index < count; index++) {
        yield (await build(index)).message;
      }
    },
    async message(index: number) {
      return (await build(index)).message;
    },
    groundTruth() {
      groundTruth ??= collectGroundTruth();
      return groundTruth;
    },
  };
}

/** Version of the ground-truth file layout that writeMaildir writes. */
export const GROUND_TRUTH_SCHEMA_VERSION = 1;

/** Options of writeMaildir: the generator's options plus where to put the ground truth. */
export interface WriteMaildirOptions extends MailboxGeneratorOptions {
  /** File to write the ground truth to as canonical JSON; none is written when absent. */
  groundTruthFile?: string;
}

/**
 * Writes the generated mailbox as a Maildir (cur/, new/ and tmp/, every message in cur/ marked seen) and
 * returns its ground truth. File names sort in message order; messages are built and written one at a time.
 */
export async function writeMaildir(dir: string, options: WriteMaildirOptions): Promise<GroundTruth> {
  const build = createMessageBuilder(options);
  for (const sub of ['cur', 'new', 'tmp']) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }

  const truth = emptyGroundTruth(options);
  const width = String(Math.max(options.count - 1, 0)).length;
  for (let index = 0; index < options.count; index++) {
    const built = await build(index);
    const name = `${String(index).padStart(width, '0')}.M${index}.mailcase-demo:2,S`;
    await writeFile(path.join(dir, 'cur', name), built.message.raw);
    addToGroundTruth(truth, built);
  }

  if (options.groundTruthFile !== undefined) {
    const file = { schemaVersion: GROUND_TRUTH_SCHEMA_VERSION, appVersion: APP_VERSION, ...truth };
    await writeFile(options.groundTruthFile, `${canonicalJson(file)}\n`);
  }
  return truth;
}
