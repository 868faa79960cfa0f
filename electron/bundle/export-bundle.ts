// Exports a case's evidence as a signed zip: a BagIt 1.0 bag (RFC 8493) holding the raw messages, the custody
// log and the last rule run, plus an Ed25519 signature over the bag's tag manifest.
import { createHash, sign } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { SCHEMA_VERSION, type AddressEntry, type BundleExportResult, type MessageRecord } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import {
  BAGIT_TXT,
  BUNDLE_PATHS,
  PAYLOAD_PATHS,
  formatBagInfo,
  formatManifest,
  formatPayloadOxum,
  messagePayloadPath,
  type ManifestEntry,
} from './bag-format.js';
import { writeZipAtomic, type ZipMember } from './bundle-writer.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';

const log = createLogger('export-bundle');

export interface ExportBundleOptions {
  store: CaseStore;
  outFile: string;
  /** Messages to include; all stored messages when omitted. */
  sha256s?: string[];
  /** Folder holding keys/; defaultConfigDir() when omitted. */
  configDir?: string;
}

/** One row of data/messages.json, taken from the message's derived record when it has one. */
export interface BundledMessageSummary {
  sha256: string;
  size: number;
  date: string | null;
  from: string | null;
  subject: string | null;
}

/** A payload file with its path relative to the bag root, its SHA-256 and its size in octets. */
interface PayloadFile extends ManifestEntry {
  size: number;
  /** Content held in memory. Messages and the custody log have none and are streamed from sourcePath. */
  data?: Buffer;
  sourcePath?: string;
}

/**
 * Writes the selected messages (all stored messages by default) as a signed bundle to `outFile`, replacing
 * it atomically, and logs 'bundle-exported' in the custody log. Throws MESSAGE_NOT_FOUND when a requested
 * message is not stored, and CASE_INVALID when a stored message no longer matches its SHA-256.
 */
export async function exportBundle(options: ExportBundleOptions): Promise<BundleExportResult> {
  const { store } = options;
  const outFile = path.resolve(options.outFile);

  const selection = await selectMessages(store, options.sha256s);
  const signingKey = await loadOrCreateSigningKey(options.configDir);
  const payload = await collectPayload(store, selection);
  const members = buildMembers(store, payload, signingKey);

  const sha256 = await writeZipAtomic(outFile, members);

  await store.custodyLog.append('bundle-exported', {
    file: outFile,
    sha256,
    messageCount: selection.length,
    signerFingerprint: signingKey.fingerprint,
  });
  log.info('exported bundle', { caseId: store.info.caseId, file: outFile, sha256, messageCount: selection.length });

  return { file: outFile, messageCount: selection.length, sha256, signerFingerprint: signingKey.fingerprint };
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

async function collectPayload(store: CaseStore, selection: readonly string[]): Promise<PayloadFile[]> {
  const payload: PayloadFile[] = [];
  const summaries: BundledMessageSummary[] = [];

  for (const sha256 of selection) {
    const sourcePath = store.messagePath(sha256);
    const { size } = await fs.stat(sourcePath);

    // A stored message is named by its SHA-256, and the zip writer checks the octets against it as they stream.
    payload.push({ path: messagePayloadPath(sha256), sha256, size, sourcePath });
    summaries.push(summarizeMessage(sha256, size, await store.loadRecord(sha256)));
  }

  payload.push(await snapshotCustodyLog(store.custodyLog.filePath));

  const ruleRun = await readOptionalFile(store.derivedPath('rules', 'latest.json'));
  if (ruleRun) payload.push(bufferPayload(PAYLOAD_PATHS.ruleRun, ruleRun));

  const messageList = { schemaVersion: SCHEMA_VERSION, appVersion: APP_VERSION, messages: summaries };
  payload.push(bufferPayload(PAYLOAD_PATHS.messageList, Buffer.from(canonicalJson(messageList) + '\n', 'utf8')));
  return payload;
}

/**
 * Hashes the custody log as it is now. The log only grows, so streaming the same number of octets later
 * gives the same content. The zip writer checks that as well.
 */
async function snapshotCustodyLog(file: string): Promise<PayloadFile> {
  const { size } = await fs.stat(file);
  const hash = createHash('sha256');
  if (size > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: size - 1 })) hash.update(chunk as Buffer);
  }
  return { path: PAYLOAD_PATHS.custodyLog, sha256: hash.digest('hex'), size, sourcePath: file };
}

function summarizeMessage(sha256: string, size: number, record: MessageRecord | null): BundledMessageSummary {
  if (!record) return { sha256, size, date: null, from: null, subject: null };
  return { sha256, size, date: record.date, from: formatAddresses(record.from), subject: record.subject };
}

function formatAddresses(entries: readonly AddressEntry[]): string | null {
  if (entries.length === 0) return null;
  return entries.map((entry) => (entry.name ? `${entry.name} <${entry.address}>` : entry.address)).join(', ');
}

/** Builds the tag files, signs the tag manifest and lists every zip member. */
function buildMembers(store: CaseStore, payload: readonly PayloadFile[], signingKey: SigningKey): ZipMember[] {
  const payloadOctets = payload.reduce((total, file) => total + file.size, 0);
  const bagInfo = formatBagInfo([
    ['Bagging-Date', new Date().toISOString().slice(0, 10)],
    ['Case-Name', store.info.name],
    ['External-Identifier', store.info.caseId],
    ['Mailcase-Version', APP_VERSION],
    ['Payload-Oxum', formatPayloadOxum(payloadOctets, payload.length)],
  ]);
  const manifest = formatManifest(payload);

  const tagFiles = [
    { path: 'bagit.txt', data: Buffer.from(BAGIT_TXT, 'utf8') },
    { path: 'bag-info.txt', data: Buffer.from(bagInfo, 'utf8') },
    { path: 'manifest-sha256.txt', data: Buffer.from(manifest, 'utf8') },
  ];
  const tagManifest = Buffer.from(formatManifest(tagFiles.map((file) => bufferPayload(file.path, file.data))), 'utf8');
  const signature = sign(null, tagManifest, signingKey.privateKey);

  const members: ZipMember[] = tagFiles.map((file) => ({ name: BUNDLE_PATHS.bagRoot + file.path, data: file.data }));
  members.push({ name: BUNDLE_PATHS.tagManifest, data: tagManifest });
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
  return members;
}

function bufferPayload(payloadPath: string, data: Buffer): PayloadFile {
  return { path: payloadPath, sha256: createHash('sha256').update(data).digest('hex'), size: data.length, data };
}

async function readOptionalFile(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
