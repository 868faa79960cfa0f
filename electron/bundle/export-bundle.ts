// Exports a case's evidence as a signed zip: a BagIt 1.0 bag (RFC 8493) holding the raw messages, the custody
// log excerpt and transcripts, rule hits, reviewer state, a report and load files, plus an Ed25519 signature
// over the bag's tag manifest and, when configured, an RFC 3161 time-stamp of it.
import { sign } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import type { BundleExportResult } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { temporaryPathFor } from '../evidence/atomic-file.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import {
  BAGIT_TXT,
  BUNDLE_PATHS,
  PAYLOAD_PATHS,
  TIMESTAMP_AUTHORITY_LABEL,
  formatBagInfo,
  formatManifest,
  formatPayloadOxum,
} from './bag-format.js';
import { writeMbox } from './bundle-mbox.js';
import { bufferPayload, collectPayload, type BundleMetadata, type PayloadFile } from './bundle-payload.js';
import { buildLoadFileRows, formatLoadFileCsv, formatLoadFileJson, formatReportHtml } from './bundle-report.js';
import { outputExists, writeZipAtomic, type ZipMember } from './bundle-writer.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';
import { checkTimestampResponse, requestTimestamp } from './timestamp.js';

const log = createLogger('export-bundle');

const BAGGING_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export interface ExportBundleOptions {
  store: CaseStore;
  outFile: string;
  /** Messages to include; all stored messages when omitted. */
  sha256s?: string[] | undefined;
  /** Folder holding keys/; defaultConfigDir() when omitted. */
  configDir?: string | undefined;
  /** Passphrase of the signing key. See loadOrCreateSigningKey for what happens without one. */
  keyPassphrase?: string | undefined;
  /** Override the case reference, investigator and organisation that case.json states. */
  caseReference?: string | undefined;
  investigator?: string | undefined;
  organisation?: string | undefined;
  /** Also write data/messages.mbox (mboxrd) with every selected message. */
  includeMbox?: boolean | undefined;
  /** URL of an RFC 3161 time-stamping authority; no time-stamp is requested when omitted. */
  timestampUrl?: string | undefined;
  /** Bagging-Date as YYYY-MM-DD; today's UTC date when omitted. */
  baggingDate?: string | undefined;
}

/** Result of an export: the shared summary plus the time-stamp's time when one was obtained. */
export interface ExportedBundle extends BundleExportResult {
  /** Time the TSA stated in the time-stamp token (UTC ISO), or null without a time-stamp. */
  timestampTime: string | null;
}

/**
 * Writes the selected messages (all stored messages by default) as a signed bundle to `outFile`, which must
 * not exist and must lie outside the case folder, and logs 'bundle-exported' in the custody log. The same selection of the same case on the
 * same Bagging-Date gives the same zip, octet for octet, unless a time-stamp is requested. Throws
 * MESSAGE_NOT_FOUND when a requested message is not stored, CASE_INVALID when a stored file no longer
 * matches its SHA-256, KEY_INVALID when the signing key cannot be used, and BUNDLE_INVALID when the
 * time-stamping authority fails.
 */
export async function exportBundle(options: ExportBundleOptions): Promise<ExportedBundle> {
  const { store } = options;
  const outFile = path.resolve(options.outFile);
  const baggingDate = checkBaggingDate(options.baggingDate);
  if (outFile === store.dir || outFile.startsWith(store.dir + path.sep)) {
    throw new MailcaseError('INVALID_INPUT', `Bundle path inside the case folder: ${outFile}`, {
      userMessage: `Choose a place for the bundle outside the case folder ${store.dir}, so that no case file can be replaced.`,
      details: { file: outFile },
    });
  }
  if (await fs.lstat(outFile).then(() => true, () => false)) throw outputExists(outFile);

  const selection = await selectMessages(store, options.sha256s);
  const signingKey = await loadOrCreateSigningKey(options.configDir, options.keyPassphrase);
  const collected = await collectPayload(store, selection, options);
  const payload = [...collected.files];

  const rows = buildLoadFileRows(collected.messages);
  payload.push(bufferPayload(PAYLOAD_PATHS.report, formatReportHtml(collected.metadata, rows, signingKey.fingerprint)));
  payload.push(bufferPayload(PAYLOAD_PATHS.loadFileCsv, formatLoadFileCsv(rows)));
  payload.push(bufferPayload(PAYLOAD_PATHS.loadFileJson, formatLoadFileJson(rows)));

  const mboxFile = options.includeMbox ? `${temporaryPathFor(outFile)}.mbox` : null;
  try {
    if (mboxFile) payload.push(await writeMbox(store, collected.messages, mboxFile));

    const timestampAuthority = options.timestampUrl ? new URL(options.timestampUrl).origin : null;
    const bag = buildBag(payload, collected.metadata, { messageCount: selection.length, baggingDate, timestampAuthority }, signingKey);
    const timestamp = options.timestampUrl ? await requestTimestamp(options.timestampUrl, bag.tagManifest) : null;
    if (timestamp) bag.members.push({ name: BUNDLE_PATHS.timestamp, data: timestamp });

    const sha256 = await writeZipAtomic(outFile, bag.members);
    await store.custodyLog.append('bundle-exported', {
      file: outFile,
      sha256,
      messageCount: selection.length,
      signerFingerprint: signingKey.fingerprint,
      timestamped: timestamp !== null,
    });
    log.info('exported bundle', { caseId: store.info.caseId, file: outFile, sha256, messageCount: selection.length });

    const timestampTime = timestamp ? await readTimestampTime(timestamp, bag.tagManifest) : null;
    return { file: outFile, messageCount: selection.length, sha256, signerFingerprint: signingKey.fingerprint, timestampTime };
  } finally {
    if (mboxFile) await fs.rm(mboxFile, { force: true });
  }
}

async function readTimestampTime(response: Buffer, tagManifest: Buffer): Promise<string | null> {
  return (await checkTimestampResponse(response, tagManifest)).genTime;
}

function checkBaggingDate(value: string | undefined): string {
  if (value === undefined) return new Date().toISOString().slice(0, 10);
  if (BAGGING_DATE_PATTERN.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return value;
  throw new MailcaseError('INVALID_INPUT', `Bagging date ${JSON.stringify(value.slice(0, 40))} is not YYYY-MM-DD`, {
    userMessage: `The bagging date "${value.slice(0, 40)}" is not a date in the form YYYY-MM-DD.`,
    details: { baggingDate: value.slice(0, 40) },
  });
}

/** Returns the sorted, de-duplicated selection, checking that every requested message is stored. */
async function selectMessages(store: CaseStore, sha256s: string[] | undefined): Promise<string[]> {
  if (sha256s === undefined) return store.listMessages();

  const selection = [...new Set(sha256s)].sort();
  const missing: string[] = [];
  for (const sha256 of selection) {
    if (!(await store.hasMessage(sha256))) missing.push(sha256);
  }

  if (missing.length > 0) {
    throw new MailcaseError('MESSAGE_NOT_FOUND', `Selected messages not stored in this case: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`, {
      userMessage: `${missing.length} of the selected messages are not stored in this case, so no bundle was written. Refresh the message list and select again.`,
      details: { missing },
    });
  }
  return selection;
}

/** Builds the tag files, signs tagmanifest-sha256.txt and lists every zip member. */
function buildBag(payload: readonly PayloadFile[], metadata: BundleMetadata, facts: ExportFacts, signingKey: SigningKey): { members: ZipMember[]; tagManifest: Buffer } {
  const payloadOctets = payload.reduce((total, file) => total + file.size, 0);
  const bagInfo = formatBagInfo(bagInfoFields(metadata, facts, formatPayloadOxum(payloadOctets, payload.length)));

  const tagFiles = [
    bufferPayload('bagit.txt', Buffer.from(BAGIT_TXT, 'utf8')),
    bufferPayload('bag-info.txt', Buffer.from(bagInfo, 'utf8')),
    bufferPayload('manifest-sha256.txt', Buffer.from(formatManifest(payload, 'sha256'), 'utf8')),
    bufferPayload('manifest-sha512.txt', Buffer.from(formatManifest(payload, 'sha512'), 'utf8')),
  ];
  const tagManifest = Buffer.from(formatManifest(tagFiles, 'sha256'), 'utf8');
  const tagManifestSha512 = Buffer.from(formatManifest(tagFiles, 'sha512'), 'utf8');
  const signature = sign(null, tagManifest, signingKey.privateKey);

  const members: ZipMember[] = tagFiles.map((file) => ({ name: BUNDLE_PATHS.bagRoot + file.path, data: file.data ?? Buffer.alloc(0) }));
  members.push({ name: BUNDLE_PATHS.tagManifest, data: tagManifest });
  members.push({ name: BUNDLE_PATHS.tagManifestSha512, data: tagManifestSha512 });
  members.push({ name: BUNDLE_PATHS.signature, data: signature });
  members.push({ name: BUNDLE_PATHS.publicKey, data: Buffer.from(signingKey.publicKeyPem, 'utf8') });
  members.push({ name: BUNDLE_PATHS.fingerprint, data: Buffer.from(`${signingKey.fingerprint}\n`, 'utf8') });

  for (const file of payload) {
    const name = BUNDLE_PATHS.bagRoot + file.path;
    if (file.data) {
      members.push({ name, data: file.data });
    } else if (file.sourcePath !== undefined) {
      members.push({ name, sourcePath: file.sourcePath, size: file.size, sha256: file.sha256 });
    }
  }
  return { members, tagManifest };
}

/** Facts of one export that go into bag-info.txt besides the case metadata. */
interface ExportFacts {
  messageCount: number;
  baggingDate: string;
  /** Origin of the TSA asked for a time-stamp, or null. Stating it lets verification notice a removed token. */
  timestampAuthority: string | null;
}

/**
 * Lists bag-info.txt's fields in label order. Source-Organization, Contact-Name, External-Identifier,
 * Internal-Sender-Identifier, Bagging-Date, Bag-Software-Agent and Payload-Oxum are the RFC 8493 section 2.2.2
 * labels; the others are Mailcase's. A field without a value is left out.
 */
function bagInfoFields(metadata: BundleMetadata, facts: ExportFacts, payloadOxum: string): [string, string][] {
  const fields: [string, string | null][] = [
    ['Acquisition-Period', metadata.acquisitionStart && metadata.acquisitionEnd ? `${metadata.acquisitionStart}/${metadata.acquisitionEnd}` : null],
    ['Bag-Software-Agent', `Mailcase ${APP_VERSION}`],
    ['Bagging-Date', facts.baggingDate],
    ['Case-Name', metadata.caseName],
    ['Case-Reference', metadata.caseReference],
    ['Contact-Name', metadata.investigator],
    ['External-Identifier', metadata.caseReference],
    ['Internal-Sender-Identifier', metadata.caseId],
    ['Investigator', metadata.investigator],
    ['Mailcase-Version', APP_VERSION],
    ['Message-Count', String(facts.messageCount)],
    ['Organisation', metadata.organisation],
    ['Payload-Oxum', payloadOxum],
    ...metadata.sources.map((source): [string, string] => ['Source-Mailbox', source]),
    ['Source-Organization', metadata.organisation],
    [TIMESTAMP_AUTHORITY_LABEL, facts.timestampAuthority],
  ];
  return fields.filter((field): field is [string, string] => field[1] !== null);
}
