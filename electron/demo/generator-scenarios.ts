// Planted scenarios of the demo mailbox. Each one adds competitor contact, look-alike domains, webmail, code words,
// card numbers, IBANs, SSNs or risky attachments to an ordinary message, or plants a near miss that a correct
// detector must not report. Every scenario appears once among the first messages, then at random.
import { createHash } from 'node:crypto';

import { DEMO_PROFILE, type DemoPerson, type DemoProfile } from './demo-profile.js';
import { buildAesZip, buildDocx, buildEncryptedPdf, buildExe, buildPdf, buildPng, buildZipCrypto } from './file-builders.js';
import { GERMAN_LETTERS, WEEKDAYS, type ForeignLetter } from './generator-content.js';
import { FORCED_SOFT_BREAK } from './generator-encoding.js';
import {
  createCardNumber,
  createIban,
  createInvalidSsn,
  createSsn,
  groupCardDigits,
  groupIban,
  isLuhnValid,
} from './generator-identifiers.js';
import { createRandom, type GeneratorRandom } from './generator-random.js';
import type { BodyFormat, MessagePlan, PlanAttachment, PlantedKind } from './generator-types.js';

/** Messages per slot of the opening block; scenario k sits at a seeded position inside slot k. */
const SCENARIO_SLOT_SIZE = 5;

/** Share of the messages after the opening block that carry a randomly chosen scenario. */
const SCENARIO_RATE = 0.04;

/** Setup of a scenario's base message. */
export interface StartOptions {
  direction: 'in' | 'out';
  correspondent: DemoPerson;
  format?: BodyFormat;
  /** A foreign supplier's letter to use instead of English text. */
  letter?: ForeignLetter;
  subject?: string;
}

/** Operations a scenario performs on the message it plants into. */
export interface ScenarioContext {
  readonly random: GeneratorRandom;
  readonly profile: DemoProfile;
  readonly hasAttachments: boolean;
  /** Creates the base message between the suspect and one correspondent; call it first. */
  start(options: StartOptions): MessagePlan;
  /** Inserts a paragraph into the body after the greeting. */
  addParagraph(text: string): void;
  plant(kind: PlantedKind, value: string, location: string): void;
  nearMiss(kind: PlantedKind, value: string, location: string, why: string): void;
  /** Attaches a file and plants the given kinds on it; returns false (and attaches nothing) when attachments are off. */
  attach(attachment: PlanAttachment, kinds?: PlantedKind[]): boolean;
  /** Creates an attachment without planted items. */
  ordinaryAttachment(): PlanAttachment;
}

/** One planted scenario. */
export interface Scenario {
  id: string;
  build(context: ScenarioContext): void;
}

/** Digit windows a card detector might read: every run of 13 to 19 digits, ignoring single spaces and dashes. */
const CARD_WINDOW_MIN = 13;
const CARD_WINDOW_MAX = 19;

/**
 * Tells whether some run of 13 to 19 consecutive digits in the text (single spaces and dashes between digits
 * ignored) passes the Luhn check, other than the whole of `except`. Generated numbers that would give a card
 * detector such an accidental hit are drawn again.
 */
export function hasLuhnValidWindow(text: string, except = ''): boolean {
  for (const run of text.match(/\d(?:[ -]?\d)*/g) ?? []) {
    const digits = run.replace(/[ -]/g, '');
    for (let length = CARD_WINDOW_MIN; length <= Math.min(CARD_WINDOW_MAX, digits.length); length++) {
      for (let start = 0; start + length <= digits.length; start++) {
        const window = digits.slice(start, start + length);
        if (window !== except && isLuhnValid(window)) {
          return true;
        }
      }
    }
  }
  return false;
}

/** Attempts before a generator of identifiers gives up; a valid draw comes within a few tries in practice. */
const MAX_DRAWS = 1000;

function drawUntil<T>(draw: () => T, isAcceptable: (value: T) => boolean): T {
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const value = draw();
    if (isAcceptable(value)) {
      return value;
    }
  }
  throw new Error('No acceptable identifier after the maximum number of draws');
}

function plantedCard(random: GeneratorRandom): string {
  return drawUntil(
    () => createCardNumber(random, true).digits,
    (digits) => !hasLuhnValidWindow(digits, digits),
  );
}

function invalidCard(random: GeneratorRandom): string {
  return drawUntil(
    () => createCardNumber(random, false).digits,
    (digits) => !hasLuhnValidWindow(digits),
  );
}

function plantedIban(random: GeneratorRandom, isValid = true): string {
  return drawUntil(
    () => createIban(random, isValid),
    (iban) => !hasLuhnValidWindow(iban) && !hasLuhnValidWindow(groupIban(iban)),
  );
}

function competitor(context: ScenarioContext): DemoProfile['competitors'][number] {
  return context.random.pick(context.profile.competitors);
}

function competitorPerson(context: ScenarioContext): DemoPerson {
  return context.random.pick(competitor(context).people);
}

function colleague(context: ScenarioContext): DemoPerson {
  return context.random.pick(context.profile.colleagues);
}

function supplierPerson(context: ScenarioContext): DemoPerson {
  return context.random.pick(context.profile.suppliers.slice(0, 2).flatMap((s) => s.people));
}

function webmailContact(context: ScenarioContext): DemoPerson {
  return context.random.pick(context.profile.webmailContacts);
}

function localPart(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}

function pickCodeword(context: ScenarioContext): string {
  return context.random.pick(context.profile.codewords);
}

/** Password of the demo's encrypted files; the ground truth does not need it, an investigator might. */
const DEMO_FILE_PASSWORD = 'harbour-view';

function textFile(name: string, lines: string[]): { name: string; data: Buffer } {
  return { name, data: Buffer.from(lines.join('\r\n'), 'utf8') };
}

function lookalikeScenario(position: number): Scenario {
  return {
    id: `lookalike-${position}`,
    build(context) {
      const lookalike = context.profile.lookalikes[position];
      const imitated = context.profile.competitors.find((c) => c.domain === lookalike?.of);
      const person = imitated?.people[0];
      if (lookalike === undefined || person === undefined) {
        throw new Error(`DEMO_PROFILE has no look-alike ${position} with a competitor contact`);
      }
      context.start({ direction: 'in', correspondent: { name: person.name, address: `${localPart(person.address)}@${lookalike.ascii}` } });
      context.addParagraph('Please use this address for the next steps, the other one is being phased out.');
    },
  };
}

/** Every scenario, in the order of the opening block. */
export const SCENARIOS: Scenario[] = [
  {
    id: 'competitor-inbound',
    build(context) {
      context.start({ direction: 'in', correspondent: competitorPerson(context), subject: context.random.pick(['Following our call', 'Coffee next week?', 'Catching up']) });
      context.addParagraph('It was good to talk to you last week. Let me know when you have time to continue the conversation.');
    },
  },
  {
    id: 'competitor-outbound-attachment',
    build(context) {
      context.start({ direction: 'out', correspondent: competitorPerson(context), subject: 'The documents we talked about' });
      context.addParagraph('As promised, here is the document. Please keep it to yourself for now.');
      context.attach(context.ordinaryAttachment());
    },
  },
  {
    id: 'competitor-cc-only',
    build(context) {
      const plan = context.start({ direction: 'out', correspondent: supplierPerson(context) });
      plan.cc = [competitorPerson(context)];
    },
  },
  {
    id: 'competitor-reply-to-only',
    build(context) {
      const plan = context.start({ direction: 'in', correspondent: supplierPerson(context) });
      plan.replyTo = competitorPerson(context);
    },
  },
  {
    id: 'competitor-bcc-only',
    build(context) {
      const plan = context.start({ direction: 'out', correspondent: colleague(context) });
      plan.bcc = [competitorPerson(context)];
    },
  },
  {
    id: 'competitor-subdomain',
    build(context) {
      const company = competitor(context);
      const person = company.people[0] ?? { name: 'Sales', address: `sales@${company.domain}` };
      context.start({ direction: 'in', correspondent: { name: person.name, address: `${localPart(person.address)}@eu.${company.domain}` } });
    },
  },
  ...DEMO_PROFILE.lookalikes.map((_, position) => lookalikeScenario(position)),
  {
    id: 'display-name-company',
    build(context) {
      const company = competitor(context);
      context.start({ direction: 'in', correspondent: { name: `Lena Brandt (${company.name})`, address: 'lena.brandt@postbox.example' } });
      context.addParagraph('Writing from my private address, as discussed. Happy to talk whenever suits you.');
    },
  },
  {
    id: 'display-name-domain',
    build(context) {
      const company = competitor(context);
      const person = company.people[0] ?? { name: 'Contact', address: `contact@${company.domain}` };
      context.start({ direction: 'out', correspondent: { name: person.address, address: `${localPart(person.address)}.private@inboxmail.example` } });
      context.addParagraph('Sending this to your private address so it does not show up on your work account.');
    },
  },
  {
    id: 'webmail-outbound',
    build(context) {
      context.start({ direction: 'out', correspondent: webmailContact(context) });
      context.attach(context.ordinaryAttachment());
    },
  },
  {
    id: 'forward-to-own-name',
    build(context) {
      const suspect = context.profile.suspect;
      const plan = context.start({ direction: 'out', correspondent: { name: suspect.name, address: suspect.personalAddress } });
      plan.subject = `Fwd: ${plan.subject}`;
      context.addParagraph('Forwarding to my home address to read over the weekend.');
      const filename = 'planning-notes.docx';
      const attached = context.attach({
        filename,
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        build: () => buildDocx(['Planning notes', 'Project Falcon: first shipments planned for spring.', 'Budget review next month.']),
      });
      if (attached) {
        context.plant('codeword', 'Project Falcon', `attachment:${filename}`);
      }
    },
  },
  {
    id: 'codeword-subject',
    build(context) {
      const codeword = pickCodeword(context);
      const plan = context.start({ direction: 'in', correspondent: colleague(context) });
      plan.subject = `${codeword} status update`;
      context.plant('codeword', codeword, 'subject');
    },
  },
  {
    id: 'codeword-body',
    build(context) {
      const codeword = pickCodeword(context);
      context.start({ direction: context.random.pick(['in', 'out'] as const), correspondent: colleague(context) });
      context.addParagraph(`Quick reminder: everything about ${codeword} stays internal only until the board decides.`);
      context.plant('codeword', codeword, 'body');
    },
  },
  {
    id: 'codeword-line-break',
    build(context) {
      context.start({ direction: 'out', correspondent: colleague(context), format: 'plain-7bit' });
      context.addParagraph('The latest numbers for Project\nFalcon are in the shared folder, please do not forward them.');
      context.plant('codeword', 'Project Falcon', 'body');
    },
  },
  {
    id: 'codeword-qp-soft-break',
    build(context) {
      context.start({ direction: 'in', correspondent: colleague(context), format: 'plain-qp' });
      context.addParagraph(`Before the review, please read the Copper Lan${FORCED_SOFT_BREAK}tern notes again and send me your comments.`);
      context.plant('codeword', 'Copper Lantern', 'body');
    },
  },
  {
    id: 'codeword-html',
    build(context) {
      const codeword = pickCodeword(context);
      context.start({ direction: 'in', correspondent: colleague(context), format: 'html-qp' });
      context.addParagraph(`The ${codeword} presentation is ready; treat it as confidential.`);
      context.plant('codeword', codeword, 'body');
    },
  },
  {
    id: 'codeword-latin1',
    build(context) {
      const codeword = context.random.pick(['Bluebird', 'Tidewater']);
      const plan = context.start({ direction: 'in', correspondent: { name: '', address: '' }, letter: context.random.pick(GERMAN_LETTERS.filter((letter) => letter.language === 'de')) });
      plan.charset = 'iso-8859-1';
      plan.format = 'plain-qp';
      plan.from = { ...plan.from, charset: 'iso-8859-1' };
      context.addParagraph(`Bezüglich ${codeword} melden wir uns gesondert.`);
      context.plant('codeword', codeword, 'body');
    },
  },
  {
    id: 'codeword-attachment',
    build(context) {
      context.start({ direction: 'out', correspondent: colleague(context) });
      context.addParagraph('The notes from the review are attached.');
      const filename = 'review-notes.pdf';
      const attached = context.attach({
        filename,
        contentType: 'application/pdf',
        build: () => buildPdf(['Review notes', 'Status of Copper Lantern: on hold until further notice.', 'Next review in spring.']),
      });
      if (attached) {
        context.plant('codeword', 'Copper Lantern', `attachment:${filename}`);
      }
    },
  },
  {
    id: 'card-spaces',
    build(context) {
      const card = groupCardDigits(plantedCard(context.random), ' ');
      context.start({ direction: 'out', correspondent: supplierPerson(context) });
      context.addParagraph(`Please book the hotel on my corporate card ${card}, it expires next year.`);
      context.plant('payment-card', card, 'body');
    },
  },
  {
    id: 'card-compact',
    build(context) {
      const card = plantedCard(context.random);
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph(`The credit card number for the supplier portal is ${card} if you need it.`);
      context.plant('payment-card', card, 'body');
    },
  },
  {
    id: 'card-dashes-html',
    build(context) {
      const card = groupCardDigits(plantedCard(context.random), '-');
      context.start({ direction: 'out', correspondent: colleague(context), format: 'alternative-qp' });
      context.addParagraph(`Card for the conference fee: ${card} (the usual one).`);
      context.plant('payment-card', card, 'body');
    },
  },
  {
    id: 'iban-body-grouped',
    build(context) {
      const iban = groupIban(plantedIban(context.random));
      context.start({ direction: 'in', correspondent: supplierPerson(context) });
      context.addParagraph(`Please note our new bank details: IBAN ${iban} from next month on.`);
      context.plant('iban', iban, 'body');
    },
  },
  {
    id: 'iban-attachment',
    build(context) {
      const iban = groupIban(plantedIban(context.random));
      context.start({ direction: 'in', correspondent: supplierPerson(context) });
      context.addParagraph('Our updated bank details are in the attached letter.');
      const filename = 'bank-details.pdf';
      const attached = context.attach({
        filename,
        contentType: 'application/pdf',
        build: () => buildPdf(['Bank details', `IBAN ${iban}`, 'Please update your records.']),
      });
      if (attached) {
        context.plant('iban', iban, `attachment:${filename}`);
      }
    },
  },
  {
    id: 'iban-compact-body',
    build(context) {
      const iban = plantedIban(context.random);
      context.start({ direction: 'out', correspondent: colleague(context) });
      context.addParagraph(`Transfer the deposit to ${iban} by ${context.random.pick(WEEKDAYS)}, please.`);
      context.plant('iban', iban, 'body');
    },
  },
  {
    id: 'ssn-body',
    build(context) {
      const ssn = createSsn(context.random);
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph(`For the background check form: SSN ${ssn}, the rest is on file.`);
      context.plant('ssn', ssn, 'body');
    },
  },
  {
    id: 'encrypted-zip',
    build(context) {
      context.start({ direction: 'out', correspondent: supplierPerson(context) });
      context.addParagraph('The drawings are in the attached archive; I will give you the password by phone.');
      context.attach(
        {
          filename: 'drawings.zip',
          contentType: 'application/zip',
          build: () => buildZipCrypto([textFile('drawings.txt', ['Drawing list', 'Flange ring, revision C'])], DEMO_FILE_PASSWORD),
        },
        ['encrypted-zip'],
      );
    },
  },
  {
    id: 'encrypted-zip-aes-webmail',
    build(context) {
      context.start({ direction: 'out', correspondent: webmailContact(context) });
      context.addParagraph('Here is the archive, same password as last time.');
      context.attach(
        {
          filename: 'private.zip',
          contentType: 'application/zip',
          build: () => buildAesZip([textFile('notes.txt', ['Notes for the weekend'])], DEMO_FILE_PASSWORD),
        },
        ['encrypted-zip'],
      );
    },
  },
  {
    id: 'encrypted-pdf',
    build(context) {
      context.start({ direction: 'in', correspondent: supplierPerson(context) });
      context.addParagraph('The draft contract is attached; the password follows in a separate mail.');
      context.attach(
        {
          filename: 'contract-draft.pdf',
          contentType: 'application/pdf',
          build: () => buildEncryptedPdf(['Draft supply contract', 'Terms and conditions'], DEMO_FILE_PASSWORD),
        },
        ['encrypted-pdf'],
      );
    },
  },
  {
    id: 'image',
    build(context) {
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph('Here is a photo of the whiteboard from the workshop.');
      context.attach({ filename: 'whiteboard.png', contentType: 'image/png', build: () => buildPng(320, 200) }, ['image']);
    },
  },
  {
    id: 'png-named-pdf',
    build(context) {
      context.start({ direction: 'in', correspondent: supplierPerson(context) });
      context.addParagraph('Attached is the scanned invoice.');
      context.attach({ filename: 'scanned-invoice.pdf', contentType: 'application/pdf', build: () => buildPng(640, 480) }, ['image', 'type-mismatch']);
    },
  },
  {
    id: 'executable-named-txt',
    build(context) {
      context.start({ direction: 'in', correspondent: webmailContact(context), subject: 'Read this first' });
      context.addParagraph('Open the attached file for the details.');
      context.attach({ filename: 'readme.txt', contentType: 'text/plain', build: () => buildExe() }, ['executable', 'type-mismatch']);
    },
  },
  {
    id: 'competitor-encrypted-zip',
    build(context) {
      context.start({ direction: 'out', correspondent: competitorPerson(context), subject: 'As agreed' });
      context.addParagraph('Everything is in the archive. Password as agreed on the phone.');
      context.attach(
        {
          filename: 'pricing.zip',
          contentType: 'application/zip',
          build: () => buildAesZip([textFile('overview.txt', ['Overview for the meeting'])], DEMO_FILE_PASSWORD),
        },
        ['encrypted-zip'],
      );
    },
  },
  {
    id: 'near-miss-luhn',
    build(context) {
      const card = groupCardDigits(invalidCard(context.random), ' ');
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph(`The old card ${card} was cancelled last month.`);
      context.nearMiss('payment-card', card, 'body', 'the number fails the Luhn check');
    },
  },
  {
    id: 'near-miss-domain-suffix',
    build(context) {
      const label = competitor(context).domain.split('.')[0] ?? 'competitor';
      context.start({ direction: 'in', correspondent: { name: 'Industry Newsletter', address: `newsletter@not${label}.example` } });
    },
  },
  {
    id: 'near-miss-domain-prefix',
    build(context) {
      const label = competitor(context).domain.split('.')[0] ?? 'competitor';
      context.start({ direction: 'in', correspondent: { name: 'Ridgeway Events', address: `info@${label}way.example` } });
    },
  },
  {
    id: 'near-miss-codeword-inside-word',
    build(context) {
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph('The tidewatermark on the old pier shows in the photos from the site visit.');
      context.nearMiss('codeword', 'tidewatermark', 'body', 'the code word Tidewater is only part of a longer word');
    },
  },
  {
    id: 'near-miss-codeword-joined',
    build(context) {
      context.start({ direction: 'out', correspondent: colleague(context) });
      context.addParagraph('The CopperLantern folder on the shared drive has been archived.');
      context.nearMiss('codeword', 'CopperLantern', 'body', 'the phrase Copper Lantern written as one word, without the space');
    },
  },
  {
    id: 'near-miss-ssn',
    build(context) {
      const ssn = createInvalidSsn(context.random);
      context.start({ direction: 'in', correspondent: colleague(context) });
      context.addParagraph(`The test record in the HR system uses ${ssn} as a placeholder.`);
      context.nearMiss('ssn', ssn, 'body', 'the area number is one the Social Security Administration never issues');
    },
  },
  {
    id: 'near-miss-iban',
    build(context) {
      const iban = groupIban(plantedIban(context.random, false));
      context.start({ direction: 'in', correspondent: supplierPerson(context) });
      context.addParagraph(`The IBAN ${iban} in the old template has a typo.`);
      context.nearMiss('iban', iban, 'body', 'the check digits fail the mod-97 check');
    },
  },
  {
    id: 'near-miss-webmail-inbound',
    build(context) {
      context.start({ direction: 'in', correspondent: webmailContact(context) });
    },
  },
];

function slotOffset(seed: number, slot: number): number {
  const digest = createHash('sha256').update(`mailcase-demo/${seed}/slot/${slot}`).digest();
  return digest.readUInt32LE(0) % SCENARIO_SLOT_SIZE;
}

/** Number of messages in the opening block, which holds every scenario once. */
export const OPENING_BLOCK_SIZE = SCENARIOS.length * SCENARIO_SLOT_SIZE;

/** Returns the scenario planted in message `index`, or null for an ordinary message. */
export function scenarioAt(seed: number, index: number): Scenario | null {
  if (index < OPENING_BLOCK_SIZE) {
    const slot = Math.floor(index / SCENARIO_SLOT_SIZE);
    return index % SCENARIO_SLOT_SIZE === slotOffset(seed, slot) ? (SCENARIOS[slot] ?? null) : null;
  }
  const random = createRandom(seed, index, 'scenario-choice');
  return random.chance(SCENARIO_RATE) ? random.pick(SCENARIOS) : null;
}
