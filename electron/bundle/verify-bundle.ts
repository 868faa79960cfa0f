// Verifies a Mailcase bundle as a third party would: bag declaration, both manifests, Payload-Oxum, message
// names against their content, and the Ed25519 signature over the tag manifest.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import type { BundleProblem, BundleVerification } from '../../shared/types.js';
import { GENESIS_HASH, hashCustodyEntry, type CustodyEntry } from '../evidence/custody-log.js';
import { createLogger } from '../logging/logger.js';
import {
  BAGIT_TXT,
  BUNDLE_PATHS,
  PAYLOAD_PATHS,
  ED25519_SIGNATURE_OCTETS,
  SIGNED_TAG_FILES,
  compareCodeUnits,
  formatPayloadOxum,
  parseBagInfo,
  parseManifest,
} from './bag-format.js';
import { describeUnsafeEntryName, readBundleContents, type BundleMember } from './bundle-reader.js';
import { fingerprintOf } from './signing-key.js';

const log = createLogger('verify-bundle');

export interface VerifyBundleOptions {
  /** SPKI PEM of the key the bundle must be signed with; any valid signature is accepted when omitted. */
  trustedPublicKeyPem?: string;
}

/** Members that must exist in every bundle. */
const REQUIRED_MEMBERS = [
  BUNDLE_PATHS.bagit,
  BUNDLE_PATHS.bagInfo,
  BUNDLE_PATHS.manifest,
  BUNDLE_PATHS.tagManifest,
  BUNDLE_PATHS.signature,
  BUNDLE_PATHS.publicKey,
  BUNDLE_PATHS.fingerprint,
] as const;

const REQUIRED_MEMBER_SET: ReadonlySet<string> = new Set(REQUIRED_MEMBERS);

/** Zip member name of the bundled custody log. */
const CUSTODY_LOG_MEMBER = BUNDLE_PATHS.bagRoot + PAYLOAD_PATHS.custodyLog;

/** Custody entry types that record a message entering the case, each with data.sha256. */
const EVIDENCE_ENTRY_TYPES: ReadonlySet<string> = new Set(['message-acquired', 'message-imported']);

const MESSAGE_FILE_PATTERN = /^bag\/data\/messages\/([0-9a-f]{64})\.eml$/;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Members read during one verification, with the problems found so far. */
interface VerificationState {
  members: Map<string, BundleMember>;
  problems: BundleProblem[];
}

/**
 * Checks the bundle at `file` and returns every problem found, sorted by file and reason. Bad or tampered
 * bundles never throw. Throws BUNDLE_INVALID when `file` is missing or not a readable file, and KEY_INVALID
 * when `trustedPublicKeyPem` is not an Ed25519 public key.
 */
export async function verifyBundle(file: string, options: VerifyBundleOptions = {}): Promise<BundleVerification> {
  const absolute = path.resolve(file);
  await assertReadableFile(absolute);
  const trustedKey = options.trustedPublicKeyPem === undefined ? null : parseTrustedKey(options.trustedPublicKeyPem);

  const contents = await readBundleContents(absolute, (name) => REQUIRED_MEMBER_SET.has(name) || name === CUSTODY_LOG_MEMBER);
  if (!contents.isReadable) {
    return finish(absolute, { valid: false, problems: contents.problems, messageCount: 0, signerFingerprint: null });
  }

  const state: VerificationState = { members: contents.members, problems: contents.problems };
  for (const name of REQUIRED_MEMBERS) {
    if (!state.members.has(name)) state.problems.push({ file: name, reason: 'missing' });
  }

  checkBagDeclaration(state);
  const payloadPaths = checkPayloadManifest(state);
  const tagPaths = checkTagManifest(state);
  checkUncoveredMembers(state, payloadPaths, tagPaths);
  checkPayloadOxum(state);
  const signerFingerprint = checkSignature(state, trustedKey);
  const messageCount = checkMessageNames(state);
  checkCustodyLog(state);

  return finish(absolute, { valid: state.problems.length === 0, problems: state.problems, messageCount, signerFingerprint });
}

async function assertReadableFile(file: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await fs.stat(file)).isFile();
  } catch (error) {
    const isMissing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MailcaseError('BUNDLE_INVALID', `Bundle ${file} ${isMissing ? 'not found' : `cannot be read: ${(error as Error).message}`}`, {
      userMessage: isMissing ? `The bundle ${file} does not exist. Check the path and try again.` : `The bundle ${file} cannot be read. Check its permissions and try again.`,
      details: { file },
      cause: error,
    });
  }

  if (!isFile) {
    throw new MailcaseError('BUNDLE_INVALID', `Bundle ${file} is not a regular file`, {
      userMessage: `${file} is a folder or device, not a bundle file. Choose the .zip file that Mailcase exported.`,
      details: { file },
    });
  }
}

function parseTrustedKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new MailcaseError('KEY_INVALID', 'The trusted public key is not a valid PEM public key', {
      userMessage: 'The trusted public key is not a valid PEM public key. Paste the whole public-key.pem of the investigator, including its BEGIN and END lines.',
      details: { source: 'trustedPublicKeyPem' },
      cause: error,
    });
  }

  if (key.asymmetricKeyType !== 'ed25519') {
    throw new MailcaseError('KEY_INVALID', `The trusted public key is ${String(key.asymmetricKeyType)}, not Ed25519`, {
      userMessage: 'The trusted public key is not an Ed25519 key, so it cannot have signed a Mailcase bundle.',
      details: { source: 'trustedPublicKeyPem' },
    });
  }
  return key;
}

/** Checks bagit.txt against the one declaration Mailcase writes, allowing any of the RFC 8493 line endings. */
function checkBagDeclaration(state: VerificationState): void {
  const text = memberText(state, BUNDLE_PATHS.bagit);
  if (text === null) return;

  if (text.replace(/\r\n?/g, '\n') !== BAGIT_TXT) {
    state.problems.push({ file: BUNDLE_PATHS.bagit, reason: 'is not "BagIt-Version: 1.0" followed by "Tag-File-Character-Encoding: UTF-8"' });
  }
}

/** Checks every payload file listed in manifest-sha256.txt and returns the listed paths, relative to the bag. */
function checkPayloadManifest(state: VerificationState): Set<string> {
  return checkManifest(state, {
    manifestName: BUNDLE_PATHS.manifest,
    isInScope: (listed) => listed.startsWith('data/'),
    scopeReason: 'is not under data/',
    mismatchReason: 'SHA-256 does not match the manifest',
  });
}

/**
 * Checks tagmanifest-sha256.txt and that it lists every signed tag file. The signature covers only the tag
 * manifest, so a tag file missing from it would be unprotected.
 */
function checkTagManifest(state: VerificationState): Set<string> {
  const listed = checkManifest(state, {
    manifestName: BUNDLE_PATHS.tagManifest,
    isInScope: (entry) => !entry.startsWith('data/') && entry !== 'tagmanifest-sha256.txt',
    scopeReason: 'is a payload file or the tag manifest itself',
    mismatchReason: 'SHA-256 does not match the tag manifest',
  });

  if (!state.members.has(BUNDLE_PATHS.tagManifest)) return listed;
  for (const tagFile of SIGNED_TAG_FILES) {
    if (!listed.has(tagFile)) state.problems.push({ file: BUNDLE_PATHS.bagRoot + tagFile, reason: 'not listed in tagmanifest-sha256.txt' });
  }
  return listed;
}

interface ManifestRules {
  manifestName: string;
  isInScope: (listedPath: string) => boolean;
  scopeReason: string;
  mismatchReason: string;
}

function checkManifest(state: VerificationState, rules: ManifestRules): Set<string> {
  const listed = new Set<string>();
  const text = memberText(state, rules.manifestName);
  if (text === null) return listed;

  const manifestFile = path.posix.basename(rules.manifestName);
  const { entries, malformedLines } = parseManifest(text);
  for (const line of malformedLines) {
    state.problems.push({ file: rules.manifestName, reason: `line ${line} is not "<sha256>  <path>"` });
  }

  for (const entry of entries) {
    const unsafe = describeUnsafeEntryName(entry.path);
    if (unsafe || !rules.isInScope(entry.path)) {
      state.problems.push({ file: rules.manifestName, reason: `line ${entry.line} path ${JSON.stringify(entry.path)} ${unsafe ?? rules.scopeReason}` });
      continue;
    }
    if (listed.has(entry.path)) {
      state.problems.push({ file: rules.manifestName, reason: `line ${entry.line} lists ${entry.path} a second time` });
      continue;
    }
    listed.add(entry.path);

    const memberName = BUNDLE_PATHS.bagRoot + entry.path;
    const member = state.members.get(memberName);
    if (!member) {
      // Required members are already reported as missing, and one problem per cause is enough.
      if (!REQUIRED_MEMBER_SET.has(memberName)) state.problems.push({ file: memberName, reason: `listed in ${manifestFile} but missing` });
      continue;
    }
    if (member.sha256 !== entry.sha256) state.problems.push({ file: memberName, reason: rules.mismatchReason });
  }
  return listed;
}

/**
 * Reports payload files missing from the manifest and any other member that neither manifest covers.
 * Such members are outside the signature, so they could have been added by anyone.
 */
function checkUncoveredMembers(state: VerificationState, payloadPaths: ReadonlySet<string>, tagPaths: ReadonlySet<string>): void {
  for (const name of state.members.keys()) {
    if (name.startsWith(BUNDLE_PATHS.payloadRoot)) {
      if (!payloadPaths.has(name.slice(BUNDLE_PATHS.bagRoot.length))) {
        state.problems.push({ file: name, reason: 'not listed in manifest-sha256.txt' });
      }
      continue;
    }

    if (REQUIRED_MEMBER_SET.has(name)) continue;
    if (name.startsWith(BUNDLE_PATHS.bagRoot) && tagPaths.has(name.slice(BUNDLE_PATHS.bagRoot.length))) continue;
    state.problems.push({ file: name, reason: 'not part of the bundle format and not covered by the signature' });
  }
}

/** Compares the declared Payload-Oxum with the payload files actually present (RFC 8493 section 2.2.2). */
function checkPayloadOxum(state: VerificationState): void {
  const text = memberText(state, BUNDLE_PATHS.bagInfo);
  if (text === null) return;

  const fields = parseBagInfo(text);
  if (!fields) {
    state.problems.push({ file: BUNDLE_PATHS.bagInfo, reason: 'contains a line that is not "Label: value"' });
    return;
  }

  const values = fields.get('Payload-Oxum') ?? [];
  const [declared] = values;
  if (declared === undefined || values.length > 1) {
    state.problems.push({ file: BUNDLE_PATHS.bagInfo, reason: values.length > 1 ? 'Payload-Oxum appears more than once' : 'Payload-Oxum is missing' });
    return;
  }
  if (!/^\d+\.\d+$/.test(declared)) {
    state.problems.push({ file: BUNDLE_PATHS.bagInfo, reason: `Payload-Oxum ${JSON.stringify(declared)} is not "<octets>.<file count>"` });
    return;
  }

  let octets = 0;
  let fileCount = 0;
  for (const member of state.members.values()) {
    if (!member.name.startsWith(BUNDLE_PATHS.payloadRoot)) continue;
    octets += member.size;
    fileCount += 1;
  }

  const actual = formatPayloadOxum(octets, fileCount);
  if (declared !== actual) {
    state.problems.push({ file: BUNDLE_PATHS.bagInfo, reason: `Payload-Oxum ${declared} does not match the payload (${actual})` });
  }
}

/**
 * Verifies the Ed25519 signature over the tag manifest with the included public key, the fingerprint file
 * and, when given, that the included key is the trusted one. Returns the signer's fingerprint, or null
 * when no valid signature was found.
 */
function checkSignature(state: VerificationState, trustedKey: KeyObject | null): string | null {
  const publicKey = readIncludedPublicKey(state);
  if (!publicKey) return null;
  const fingerprint = fingerprintOf(publicKey);

  const fingerprintText = memberText(state, BUNDLE_PATHS.fingerprint);
  if (fingerprintText !== null && fingerprintText.trim() !== fingerprint) {
    state.problems.push({ file: BUNDLE_PATHS.fingerprint, reason: `does not match the included public key (${fingerprint})` });
  }

  if (trustedKey) {
    const trustedFingerprint = fingerprintOf(trustedKey);
    if (trustedFingerprint !== fingerprint) {
      state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: `key ${fingerprint} is not the trusted key ${trustedFingerprint}` });
    }
  }

  const signature = state.members.get(BUNDLE_PATHS.signature)?.data;
  const tagManifest = state.members.get(BUNDLE_PATHS.tagManifest)?.data;
  if (!signature || !tagManifest) return null;

  if (signature.length !== ED25519_SIGNATURE_OCTETS) {
    state.problems.push({ file: BUNDLE_PATHS.signature, reason: `is ${signature.length} octets, not a ${ED25519_SIGNATURE_OCTETS}-octet Ed25519 signature` });
    return null;
  }
  if (!verify(null, tagManifest, publicKey, signature)) {
    state.problems.push({ file: BUNDLE_PATHS.signature, reason: 'signature does not verify with the included public key' });
    return null;
  }
  return fingerprint;
}

function readIncludedPublicKey(state: VerificationState): KeyObject | null {
  const pem = memberText(state, BUNDLE_PATHS.publicKey);
  if (pem === null) return null;

  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: 'is not a valid PEM public key' });
    return null;
  }

  if (key.asymmetricKeyType !== 'ed25519') {
    state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: `contains a key of type ${String(key.asymmetricKeyType)}, not Ed25519` });
    return null;
  }
  return key;
}

/**
 * Checks that every message file is named <sha256>.eml after its own content, independently of the
 * manifest, and returns how many message files the bundle contains.
 */
/**
 * Checks the bundled custody log's hash chain and that every bundled message was recorded entering the case.
 * A message re-hashed and re-signed by someone else passes every manifest check but fails this one, unless
 * the custody log was rewritten too, which breaks its chain or needs a valid chain forged from the start.
 */
function checkCustodyLog(state: VerificationState): void {
  const member = state.members.get(CUSTODY_LOG_MEMBER);
  if (!member) {
    state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: 'missing' });
    return;
  }
  if (!member.data) return;

  const recorded = new Set<string>();
  let previousHash = GENESIS_HASH;
  const lines = member.data.toString('utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line) continue;
    let entry: CustodyEntry;
    try {
      entry = JSON.parse(line) as CustodyEntry;
    } catch {
      state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${index + 1} is not valid JSON` });
      return;
    }

    const { hash, ...body } = entry;
    if (entry.prevHash !== previousHash) state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${index + 1}: previous-hash link is broken` });
    if (hashCustodyEntry(body) !== hash) state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${index + 1}: entry hash does not match its content` });
    previousHash = hash;

    const sha256 = entry.data?.sha256;
    if (EVIDENCE_ENTRY_TYPES.has(entry.type) && typeof sha256 === 'string') recorded.add(sha256);
  }

  for (const name of state.members.keys()) {
    const match = MESSAGE_FILE_PATTERN.exec(name);
    if (match && !recorded.has(match[1] as string)) {
      state.problems.push({ file: name, reason: 'message is not recorded in the bundled custody log' });
    }
  }
}

function checkMessageNames(state: VerificationState): number {
  let messageCount = 0;
  for (const member of state.members.values()) {
    if (!member.name.startsWith(BUNDLE_PATHS.messagesRoot)) continue;
    messageCount += 1;

    const match = MESSAGE_FILE_PATTERN.exec(member.name);
    if (!match) {
      state.problems.push({ file: member.name, reason: 'message file name is not <sha256>.eml' });
      continue;
    }
    if (match[1] !== member.sha256) state.problems.push({ file: member.name, reason: 'SHA-256 does not match the file name' });
  }
  return messageCount;
}

/**
 * Decodes a kept member as UTF-8. Returns null for a missing member, and null plus a problem for content
 * that is not valid UTF-8.
 */
function memberText(state: VerificationState, name: string): string | null {
  const data = state.members.get(name)?.data;
  if (!data) return null;

  try {
    return UTF8.decode(data);
  } catch {
    state.problems.push({ file: name, reason: 'is not valid UTF-8' });
    return null;
  }
}

function finish(file: string, result: BundleVerification): BundleVerification {
  result.problems.sort((a, b) => compareCodeUnits(a.file, b.file) || compareCodeUnits(a.reason, b.reason));
  log.info('verified bundle', { file, valid: result.valid, problemCount: result.problems.length, messageCount: result.messageCount });
  return result;
}
