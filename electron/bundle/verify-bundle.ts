// Verifies a Mailcase bundle as a third party would. It checks the bag declaration, the SHA-256 and SHA-512
// manifests, Payload-Oxum and message names, then the Ed25519 signature, the RFC 3161 time-stamp when present,
// and the bundled custody log against the messages.
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
  TIMESTAMP_AUTHORITY_LABEL,
  compareCodeUnits,
  formatPayloadOxum,
  parseBagInfo,
  parseManifest,
  type ManifestAlgorithm,
  type ParsedManifestEntry,
} from './bag-format.js';
import { EVIDENCE_ENTRY_TYPES } from './bundle-payload.js';
import { describeUnsafeEntryName, readBundleContents, type BundleMember } from './bundle-reader.js';
import { fingerprintOf } from './signing-key.js';
import { checkTimestampResponse } from './timestamp.js';

const log = createLogger('verify-bundle');

export interface VerifyBundleOptions {
  /** SPKI PEM of the key the bundle must be signed with; any valid signature is accepted when omitted. */
  trustedPublicKeyPem?: string;
}

/** Result of verifyBundle: the shared verification plus the time-stamp details. */
export interface BundleVerificationDetails extends BundleVerification {
  /** Time stated in the RFC 3161 time-stamp token (UTC ISO), or null when there is none or it is unreadable. */
  timestampTime: string | null;
  /** Subject of the certificate that signed the time-stamp token, or null. */
  timestampSigner: string | null;
}

/** Members that must exist in every bundle. */
const REQUIRED_MEMBERS = [
  BUNDLE_PATHS.bagit,
  BUNDLE_PATHS.bagInfo,
  BUNDLE_PATHS.manifest,
  BUNDLE_PATHS.manifestSha512,
  BUNDLE_PATHS.tagManifest,
  BUNDLE_PATHS.tagManifestSha512,
  BUNDLE_PATHS.signature,
  BUNDLE_PATHS.publicKey,
  BUNDLE_PATHS.fingerprint,
] as const;

const REQUIRED_MEMBER_SET: ReadonlySet<string> = new Set(REQUIRED_MEMBERS);

/** Zip member name of the bundled custody log. */
const CUSTODY_LOG_MEMBER = BUNDLE_PATHS.bagRoot + PAYLOAD_PATHS.custodyLog;

/** Members that are read whole: the required ones, the time-stamp and the custody log. */
function isKeptMember(name: string): boolean {
  return REQUIRED_MEMBER_SET.has(name) || name === BUNDLE_PATHS.timestamp || name === CUSTODY_LOG_MEMBER;
}

const MESSAGE_FILE_PATTERN = /^bag\/data\/messages\/([0-9a-f]{64})\.eml$/;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Members read during one verification, with the problems found so far. */
interface VerificationState {
  members: Map<string, BundleMember>;
  problems: BundleProblem[];
  /** Checksums by bag-relative path as each manifest lists them, for telling which file was altered. */
  listed: Record<'payload' | 'tag', Record<ManifestAlgorithm, Map<string, string>>>;
}

/**
 * Checks the bundle at `file` and returns every problem found, sorted by file and reason. Bad or tampered
 * bundles never throw. Throws BUNDLE_INVALID when `file` is missing or not a readable file, and KEY_INVALID
 * when `trustedPublicKeyPem` is not an Ed25519 public key.
 */
export async function verifyBundle(file: string, options: VerifyBundleOptions = {}): Promise<BundleVerificationDetails> {
  const absolute = path.resolve(file);
  await assertReadableFile(absolute);
  const trustedKey = options.trustedPublicKeyPem === undefined ? null : parseTrustedKey(options.trustedPublicKeyPem);

  const contents = await readBundleContents(absolute, isKeptMember);
  if (!contents.isReadable) {
    return finish(absolute, { valid: false, problems: contents.problems, messageCount: 0, signerFingerprint: null, timestampTime: null, timestampSigner: null });
  }

  const state: VerificationState = {
    members: contents.members,
    problems: contents.problems,
    listed: {
      payload: { sha256: new Map(), sha512: new Map() },
      tag: { sha256: new Map(), sha512: new Map() },
    },
  };
  for (const name of REQUIRED_MEMBERS) {
    if (!state.members.has(name)) state.problems.push({ file: name, reason: 'missing' });
  }

  checkBagDeclaration(state);
  readManifests(state);
  checkListedFiles(state, 'payload');
  checkListedFiles(state, 'tag');
  checkUncoveredMembers(state);
  checkPayloadOxum(state);
  const signerFingerprint = checkSignature(state, trustedKey);
  const timestamp = await checkTimestamp(state);
  const messageCount = checkMessageNames(state);
  checkCustodyLog(state);

  return finish(absolute, {
    valid: state.problems.length === 0,
    problems: state.problems,
    messageCount,
    signerFingerprint,
    timestampTime: timestamp.genTime,
    timestampSigner: timestamp.signerSubject,
  });
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

/** Manifest member names by kind and algorithm. */
const MANIFEST_MEMBERS: Record<'payload' | 'tag', Record<ManifestAlgorithm, string>> = {
  payload: { sha256: BUNDLE_PATHS.manifest, sha512: BUNDLE_PATHS.manifestSha512 },
  tag: { sha256: BUNDLE_PATHS.tagManifest, sha512: BUNDLE_PATHS.tagManifestSha512 },
};

/**
 * Parses the four manifests, reporting malformed lines, paths outside their scope and duplicates, and
 * records what each lists. Payload manifests may list only data/ files, tag manifests only tag files other
 * than the tag manifests themselves. Both tag manifests must list every signed tag file: the signature
 * covers only tagmanifest-sha256.txt, so a tag file missing from it would be unprotected.
 */
function readManifests(state: VerificationState): void {
  for (const kind of ['payload', 'tag'] as const) {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const manifestName = MANIFEST_MEMBERS[kind][algorithm];
      const text = memberText(state, manifestName);
      if (text === null) continue;

      const isInScope = kind === 'payload' ? (entry: string) => entry.startsWith('data/') : (entry: string) => !entry.startsWith('data/') && !entry.startsWith('tagmanifest-');
      const listed = state.listed[kind][algorithm];
      const { entries, malformedLines } = parseManifest(text, algorithm);
      for (const line of malformedLines) {
        state.problems.push({ file: manifestName, reason: `line ${line} is not "<${algorithm} checksum>  <path>"` });
      }
      for (const entry of entries) {
        const problem = describeEntryProblem(entry, listed, isInScope(entry.path), kind);
        if (problem) {
          state.problems.push({ file: manifestName, reason: problem });
          continue;
        }
        listed.set(entry.path, entry.checksum);
      }

      if (kind === 'tag') {
        for (const tagFile of SIGNED_TAG_FILES) {
          if (!listed.has(tagFile)) state.problems.push({ file: manifestName, reason: `does not list ${tagFile}` });
        }
      }
    }
  }
}

function describeEntryProblem(entry: ParsedManifestEntry, listed: ReadonlyMap<string, string>, isInScope: boolean, kind: 'payload' | 'tag'): string | null {
  const unsafe = describeUnsafeEntryName(entry.path);
  if (unsafe) return `line ${entry.line} path ${JSON.stringify(entry.path)} ${unsafe}`;
  if (!isInScope) return `line ${entry.line} path ${JSON.stringify(entry.path)} ${kind === 'payload' ? 'is not under data/' : 'is a payload file or a tag manifest'}`;
  if (listed.has(entry.path)) return `line ${entry.line} lists ${entry.path} a second time`;
  return null;
}

/**
 * Compares every listed file with the checksums both manifests of a kind give for it, and names the file
 * that was most likely altered: the listed file when both checksums differ, the manifest when only its own
 * checksum differs.
 */
function checkListedFiles(state: VerificationState, kind: 'payload' | 'tag'): void {
  const sha256List = state.listed[kind].sha256;
  const sha512List = state.listed[kind].sha512;
  const paths = new Set([...sha256List.keys(), ...sha512List.keys()]);

  for (const listedPath of [...paths].sort(compareCodeUnits)) {
    const memberName = BUNDLE_PATHS.bagRoot + listedPath;
    const member = state.members.get(memberName);
    if (!member) {
      // Required members are already reported as missing, and one problem per cause is enough.
      if (!REQUIRED_MEMBER_SET.has(memberName)) state.problems.push({ file: memberName, reason: `listed in the ${kind} manifests but missing` });
      continue;
    }

    const expected256 = sha256List.get(listedPath);
    const expected512 = sha512List.get(listedPath);
    const differs256 = expected256 !== undefined && expected256 !== member.sha256;
    const differs512 = expected512 !== undefined && expected512 !== member.sha512;
    const manifest256 = path.posix.basename(MANIFEST_MEMBERS[kind].sha256);
    const manifest512 = path.posix.basename(MANIFEST_MEMBERS[kind].sha512);

    // readManifests already names a tag manifest that leaves out a signed tag file.
    if (kind === 'payload' && expected256 === undefined) state.problems.push({ file: memberName, reason: `not listed in ${manifest256}` });
    if (kind === 'payload' && expected512 === undefined) state.problems.push({ file: memberName, reason: `not listed in ${manifest512}` });

    if (differs256 && (differs512 || expected512 === undefined)) {
      state.problems.push({ file: memberName, reason: `content does not match ${manifest256}${expected512 === undefined ? '' : ` or ${manifest512}`}` });
    } else if (differs256) {
      state.problems.push({ file: MANIFEST_MEMBERS[kind].sha256, reason: `SHA-256 listed for ${listedPath} does not match the file, whose SHA-512 does match` });
    } else if (differs512) {
      const file = expected256 === undefined ? memberName : MANIFEST_MEMBERS[kind].sha512;
      state.problems.push({ file, reason: `SHA-512 listed for ${listedPath} does not match the file${expected256 === undefined ? '' : ', whose SHA-256 does match'}` });
    }
  }
}

/**
 * Reports payload files missing from both manifests and any other member that no manifest covers. Such
 * members are outside the signature, so they could have been added by anyone.
 */
function checkUncoveredMembers(state: VerificationState): void {
  for (const name of state.members.keys()) {
    const bagPath = name.startsWith(BUNDLE_PATHS.bagRoot) ? name.slice(BUNDLE_PATHS.bagRoot.length) : null;
    if (name.startsWith(BUNDLE_PATHS.payloadRoot)) {
      const payload = state.listed.payload;
      if (bagPath !== null && !payload.sha256.has(bagPath) && !payload.sha512.has(bagPath)) {
        state.problems.push({ file: name, reason: 'not listed in manifest-sha256.txt or manifest-sha512.txt' });
      }
      continue;
    }

    if (REQUIRED_MEMBER_SET.has(name) || name === BUNDLE_PATHS.timestamp) continue;
    if (bagPath !== null && (state.listed.tag.sha256.has(bagPath) || state.listed.tag.sha512.has(bagPath))) continue;
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
  // Only the exact line Mailcase writes is accepted, so no octet of the file goes unchecked.
  const fingerprintDiffers = fingerprintText !== null && fingerprintText.replace(/\r\n/g, '\n') !== `${fingerprint}\n`;

  if (trustedKey) {
    const trustedFingerprint = fingerprintOf(trustedKey);
    if (trustedFingerprint !== fingerprint) {
      state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: `key ${fingerprint} is not the trusted key ${trustedFingerprint}` });
    }
  }

  const signature = state.members.get(BUNDLE_PATHS.signature)?.data;
  const tagManifest = state.members.get(BUNDLE_PATHS.tagManifest)?.data;
  let signatureProblem: string | null = null;
  if (signature && tagManifest) {
    if (signature.length !== ED25519_SIGNATURE_OCTETS) {
      signatureProblem = `is ${signature.length} octets, not a ${ED25519_SIGNATURE_OCTETS}-octet Ed25519 signature`;
    } else if (!verify(null, tagManifest, publicKey, signature)) {
      signatureProblem = 'signature does not verify with the included public key';
    }
  }

  // A key that matches neither the fingerprint file nor the signature is the one that was altered.
  if (fingerprintDiffers && signatureProblem !== null) {
    state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: `key ${fingerprint} matches neither fingerprint.txt nor the signature` });
  } else if (fingerprintDiffers) {
    state.problems.push({ file: BUNDLE_PATHS.fingerprint, reason: `does not match the included public key (${fingerprint})` });
  }
  if (signatureProblem !== null) state.problems.push({ file: BUNDLE_PATHS.signature, reason: signatureProblem });

  return signature && tagManifest && signatureProblem === null ? fingerprint : null;
}

/** Checks the RFC 3161 time-stamp response when the bundle has one. */
async function checkTimestamp(state: VerificationState): Promise<{ genTime: string | null; signerSubject: string | null }> {
  const response = state.members.get(BUNDLE_PATHS.timestamp)?.data;
  const tagManifest = state.members.get(BUNDLE_PATHS.tagManifest)?.data;
  if (!response) {
    const bagInfo = memberText(state, BUNDLE_PATHS.bagInfo);
    const authority = bagInfo === null ? undefined : parseBagInfo(bagInfo)?.get(TIMESTAMP_AUTHORITY_LABEL)?.[0];
    if (authority !== undefined && !state.members.has(BUNDLE_PATHS.timestamp)) {
      state.problems.push({ file: BUNDLE_PATHS.timestamp, reason: `missing, but bag-info.txt states a time-stamp from ${authority}` });
    }
    return { genTime: null, signerSubject: null };
  }
  if (!tagManifest) return { genTime: null, signerSubject: null };

  const check = await checkTimestampResponse(response, tagManifest);
  for (const problem of check.problems) state.problems.push({ file: BUNDLE_PATHS.timestamp, reason: problem });
  return { genTime: check.genTime, signerSubject: check.signerSubject };
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

  // PEM parsers skip some altered octets, such as a changed final line break, so the file must be the exact
  // encoding Mailcase writes. Only a conversion of line endings to CRLF by a mail or file transfer is allowed.
  if (pem.replace(/\r\n/g, '\n') !== key.export({ type: 'spki', format: 'pem' }).toString()) {
    state.problems.push({ file: BUNDLE_PATHS.publicKey, reason: 'is not the exact SubjectPublicKeyInfo PEM encoding of its key' });
  }
  return key;
}

/**
 * Checks the bundled custody log excerpt and that every bundled message was recorded entering the case.
 * The excerpt keeps each entry verbatim, so each entry's hash must match its content, sequence numbers must
 * rise, and an entry that directly follows another in the case's log must link to its hash. Transcripts the
 * entries name must be bundled with the SHA-256 the entry states. A message re-hashed and re-signed by
 * someone else passes every manifest check but fails this one unless the log was rewritten too.
 */
function checkCustodyLog(state: VerificationState): void {
  const member = state.members.get(CUSTODY_LOG_MEMBER);
  if (!member) {
    state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: 'missing' });
    return;
  }
  if (!member.data) return;

  const recorded = new Set<string>();
  let previous: CustodyEntry | null = null;
  const lines = member.data.toString('utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line) continue;
    const entry = parseCustodyLine(line);
    if (!entry) {
      state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${index + 1} is not a custody log entry` });
      return;
    }

    checkCustodyLink(state, entry, previous, index + 1);
    previous = entry;

    const sha256 = entry.data['sha256'];
    if (EVIDENCE_ENTRY_TYPES.has(entry.type) && typeof sha256 === 'string') recorded.add(sha256);
    checkTranscriptReference(state, entry);
  }

  for (const name of state.members.keys()) {
    const match = MESSAGE_FILE_PATTERN.exec(name);
    if (match && !recorded.has(match[1] as string)) {
      state.problems.push({ file: name, reason: 'message is not recorded in the bundled custody log' });
    }
  }
}

function parseCustodyLine(line: string): CustodyEntry | null {
  try {
    const entry = JSON.parse(line) as CustodyEntry;
    const isEntry =
      typeof entry === 'object' && entry !== null && Number.isSafeInteger(entry.seq) && typeof entry.type === 'string' &&
      typeof entry.hash === 'string' && typeof entry.prevHash === 'string' && typeof entry.data === 'object' && entry.data !== null;
    return isEntry ? entry : null;
  } catch {
    return null;
  }
}

function checkCustodyLink(state: VerificationState, entry: CustodyEntry, previous: CustodyEntry | null, line: number): void {
  const { hash, ...body } = entry;
  if (hashCustodyEntry(body) !== hash) state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${line}: entry hash does not match its content` });

  if (previous !== null && entry.seq <= previous.seq) {
    state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${line}: sequence number ${entry.seq} does not follow ${previous.seq}` });
    return;
  }
  // The excerpt leaves entries out, so only links between consecutive entries can be checked.
  let expectedPrevious: string | null = null;
  if (entry.seq === 1) {
    expectedPrevious = GENESIS_HASH;
  } else if (previous !== null && previous.seq === entry.seq - 1) {
    expectedPrevious = previous.hash;
  }
  if (expectedPrevious !== null && entry.prevHash !== expectedPrevious) {
    state.problems.push({ file: CUSTODY_LOG_MEMBER, reason: `line ${line}: previous-hash link is broken` });
  }
}

function checkTranscriptReference(state: VerificationState, entry: CustodyEntry): void {
  const transcript = entry.data['transcript'];
  if (!transcript || typeof transcript !== 'object') return;
  const { file, sha256 } = transcript as { file?: unknown; sha256?: unknown };
  if (typeof file !== 'string' || typeof sha256 !== 'string' || describeUnsafeEntryName(file) !== null) return;

  const memberName = `${BUNDLE_PATHS.payloadRoot}${file}`;
  const member = state.members.get(memberName);
  if (!member) {
    state.problems.push({ file: memberName, reason: `transcript named by custody log entry ${entry.seq} is missing` });
  } else if (member.sha256 !== sha256) {
    state.problems.push({ file: memberName, reason: `SHA-256 does not match custody log entry ${entry.seq}` });
  }
}

/**
 * Checks that every message file is named <sha256>.eml after its own content, independently of the
 * manifest, and returns how many message files the bundle contains.
 */
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

function finish(file: string, result: BundleVerificationDetails): BundleVerificationDetails {
  result.problems.sort((a, b) => compareCodeUnits(a.file, b.file) || compareCodeUnits(a.reason, b.reason));
  log.info('verified bundle', { file, valid: result.valid, problemCount: result.problems.length, messageCount: result.messageCount });
  return result;
}
