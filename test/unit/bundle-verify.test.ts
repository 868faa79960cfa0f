import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';

import { exportBundle } from '../../electron/bundle/export-bundle.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../electron/bundle/signing-key.js';
import { verifyBundle } from '../../electron/bundle/verify-bundle.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { MailcaseError } from '../../shared/errors.js';

const MESSAGES = [
  'From: alice@example.org\r\nTo: bob@example.org\r\nSubject: First\r\n\r\nHello Bob.\r\n',
  'From: carol@example.org\r\nSubject: Second\r\n\r\nSecond body\r\n',
  'Subject: Third\r\n\r\nNo final line break',
].map((text) => Buffer.from(text, 'utf8'));

const SIGNATURE = 'signature/tagmanifest-sha256.txt.sig';
const NOT_A_ZIP = 'not a readable zip archive: End of central directory record signature not found. Either not a zip file, or file is truncated.';

let root: string;
let configDir: string;
let bundleFile: string;
let signingKey: SigningKey;
let original: Map<string, Buffer>;
let messageHashes: string[];

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-verify-'));
  configDir = path.join(root, 'config');
  const store = await CaseStore.create(path.join(root, 'case'), 'Verify test');
  messageHashes = [];
  for (const octets of MESSAGES) {
    const writer = await store.createEvidenceWriter();
    await writer.write(octets);
    const committed = await writer.commit();
    await store.custodyLog.append('message-acquired', { sha256: committed.sha256, receivedSize: committed.size });
    messageHashes.push(committed.sha256);
  }
  messageHashes.sort();

  bundleFile = path.join(root, 'bundle.zip');
  await exportBundle({ store, outFile: bundleFile, configDir });
  signingKey = await loadOrCreateSigningKey(configDir);
  original = await readZip(bundleFile);
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const members = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    members.set(entry.fileName, Buffer.concat(chunks));
  }
  zip.close();
  return members;
}

/** Builds a zip with yazl from name and content pairs, in the order given. */
async function buildZip(entries: Iterable<[string, Buffer]>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes a zip of `members` to a new file and verifies it. */
async function verifyMembers(members: Map<string, Buffer>, options: { trustedPublicKeyPem?: string } = {}) {
  const file = path.join(root, 'tampered.zip');
  await fs.writeFile(file, await buildZip(members));
  return verifyBundle(file, options);
}

/**
 * Replaces every occurrence of `placeholder` in a zip's bytes with `name`, which must have the same
 * length. yazl refuses unsafe names, so tests write a harmless name and patch it afterwards; zip CRCs
 * cover file data only, so the archive stays readable.
 */
function patchName(zipBytes: Buffer, placeholder: string, name: string): Buffer {
  const from = Buffer.from(placeholder, 'utf8');
  const to = Buffer.from(name, 'utf8');
  if (from.length !== to.length) throw new Error('placeholder and name must have the same length');
  const patched = Buffer.from(zipBytes);
  let index = patched.indexOf(from);
  while (index !== -1) {
    to.copy(patched, index);
    index = patched.indexOf(from, index + to.length);
  }
  return patched;
}

async function verifyWithExtraName(placeholder: string, name: string) {
  const members = new Map(original);
  members.set(placeholder, Buffer.from('x'));
  const file = path.join(root, 'patched.zip');
  await fs.writeFile(file, patchName(await buildZip(members), placeholder, name));
  return verifyBundle(file);
}

function memberOf(members: Map<string, Buffer>, name: string): Buffer {
  const data = members.get(name);
  if (!data) throw new Error(`bundle has no member ${name}`);
  return data;
}

function messageName(index: number): string {
  return `bag/data/messages/${messageHashes[index] ?? ''}.eml`;
}

function payloadOxum(members: Map<string, Buffer>): { octets: number; count: number } {
  const match = /^Payload-Oxum: (\d+)\.(\d+)$/m.exec(memberOf(members, 'bag/bag-info.txt').toString('utf8'));
  if (!match) throw new Error('no Payload-Oxum');
  return { octets: Number(match[1]), count: Number(match[2]) };
}

/** Rewrites both tag manifests from the current tag files and signs the SHA-256 one with the case's real key. */
function resign(members: Map<string, Buffer>): void {
  const tagFiles = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'];
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const text = tagFiles.map((name) => `${createHash(algorithm).update(memberOf(members, `bag/${name}`)).digest('hex')}  ${name}\n`).join('');
    members.set(`bag/tagmanifest-${algorithm}.txt`, Buffer.from(text));
  }
  members.set(SIGNATURE, sign(null, memberOf(members, 'bag/tagmanifest-sha256.txt'), signingKey.privateKey));
}

/** Replaces the path of a message in both payload manifests, with checksums of `octets`. */
function relistMessage(members: Map<string, Buffer>, oldHash: string, newHash: string, octets: Buffer): void {
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const name = `bag/manifest-${algorithm}.txt`;
    const line = `${createHash(algorithm).update(octets).digest('hex')}  data/messages/${newHash}.eml`;
    const edited = memberOf(members, name)
      .toString('utf8')
      .split('\n')
      .map((entry) => (entry.endsWith(`data/messages/${oldHash}.eml`) ? line : entry))
      .join('\n');
    members.set(name, Buffer.from(edited));
  }
}

describe('verifyBundle', () => {
  it('accepts a fresh bundle', async () => {
    const result = await verifyBundle(bundleFile);

    expect(result).toEqual({ valid: true, problems: [], messageCount: 3, signerFingerprint: signingKey.fingerprint, timestampTime: null, timestampSigner: null });
  });

  it('accepts a rebuilt copy of a fresh bundle', async () => {
    const result = await verifyMembers(new Map(original));

    expect(result.problems).toEqual([]);
  });

  it('accepts a bundle without messages', async () => {
    const empty = await CaseStore.create(path.join(root, 'empty-case'), 'Empty');
    const file = path.join(root, 'empty.zip');
    await exportBundle({ store: empty, outFile: file, configDir });

    const result = await verifyBundle(file);

    expect(result).toEqual({ valid: true, problems: [], messageCount: 0, signerFingerprint: signingKey.fingerprint, timestampTime: null, timestampSigner: null });
  });

  it('accepts the trusted key', async () => {
    const result = await verifyBundle(bundleFile, { trustedPublicKeyPem: signingKey.publicKeyPem });

    expect(result.valid).toBe(true);
  });

  it('names a message with one byte changed', async () => {
    const members = new Map(original);
    const octets = Buffer.from(memberOf(members, messageName(1)));
    octets[0] = (octets[0] ?? 0) ^ 0x01;
    members.set(messageName(1), octets);

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: messageName(1), reason: 'SHA-256 does not match the file name' },
      { file: messageName(1), reason: 'content does not match manifest-sha256.txt or manifest-sha512.txt' },
    ]);
    expect(result.valid).toBe(false);
  });

  it('reports an edited manifest line', async () => {
    const members = new Map(original);
    const manifest = memberOf(members, 'bag/manifest-sha256.txt').toString('utf8');
    const edited = manifest.replace(/^[0-9a-f]{64}(?= {2}data\/custody\/custody-log\.jsonl$)/m, '0'.repeat(64));
    expect(edited).not.toBe(manifest);
    members.set('bag/manifest-sha256.txt', Buffer.from(edited));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: 'bag/manifest-sha256.txt', reason: 'SHA-256 listed for data/custody/custody-log.jsonl does not match the file, whose SHA-512 does match' },
      { file: 'bag/manifest-sha256.txt', reason: 'content does not match tagmanifest-sha256.txt or tagmanifest-sha512.txt' },
    ]);
  });

  it('reports a malformed manifest line', async () => {
    const members = new Map(original);
    const manifest = memberOf(members, 'bag/manifest-sha256.txt').toString('utf8');
    members.set('bag/manifest-sha256.txt', Buffer.from(manifest + 'not a manifest line\n'));
    resign(members);
    const lineNumber = manifest.split('\n').length;

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: 'bag/manifest-sha256.txt', reason: `line ${lineNumber} is not "<sha256 checksum>  <path>"` }]);
  });

  it('reports an extra unlisted payload file', async () => {
    const members = new Map(original);
    const { octets, count } = payloadOxum(members);
    members.set('bag/data/extra.txt', Buffer.from('x'));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: 'bag/bag-info.txt', reason: `Payload-Oxum ${octets}.${count} does not match the payload (${octets + 1}.${count + 1})` },
      { file: 'bag/data/extra.txt', reason: 'not listed in manifest-sha256.txt or manifest-sha512.txt' },
    ]);
  });

  it('reports a removed message file', async () => {
    const members = new Map(original);
    const { octets, count } = payloadOxum(members);
    const removedSize = memberOf(members, messageName(0)).length;
    members.delete(messageName(0));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: 'bag/bag-info.txt', reason: `Payload-Oxum ${octets}.${count} does not match the payload (${octets - removedSize}.${count - 1})` },
      { file: messageName(0), reason: 'listed in the payload manifests but missing' },
    ]);
    expect(result.messageCount).toBe(2);
  });

  it('reports a removed tag file', async () => {
    const members = new Map(original);
    members.delete('bag/bagit.txt');

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: 'bag/bagit.txt', reason: 'missing' }]);
  });

  it('reports a flipped signature byte', async () => {
    const members = new Map(original);
    const signature = Buffer.from(memberOf(members, SIGNATURE));
    signature[10] = (signature[10] ?? 0) ^ 0xff;
    members.set(SIGNATURE, signature);

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: SIGNATURE, reason: 'signature does not verify with the included public key' }]);
    expect(result.signerFingerprint).toBe(null);
  });

  it('reports a substituted public key', async () => {
    const members = new Map(original);
    const other = generateKeyPairSync('ed25519').publicKey;
    const otherFingerprint = sha256Of(other.export({ type: 'spki', format: 'der' }));
    members.set('signature/public-key.pem', Buffer.from(other.export({ type: 'spki', format: 'pem' })));
    members.set('signature/fingerprint.txt', Buffer.from(`${otherFingerprint}\n`));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: SIGNATURE, reason: 'signature does not verify with the included public key' }]);
  });

  it('reports a fingerprint file that does not match the key', async () => {
    const members = new Map(original);
    members.set('signature/fingerprint.txt', Buffer.from(`${'a'.repeat(64)}\n`));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: 'signature/fingerprint.txt', reason: `does not match the included public key (${signingKey.fingerprint})` },
    ]);
  });

  it('reports a key other than the trusted one', async () => {
    const trusted = generateKeyPairSync('ed25519').publicKey;
    const trustedFingerprint = sha256Of(trusted.export({ type: 'spki', format: 'der' }));

    const result = await verifyBundle(bundleFile, { trustedPublicKeyPem: trusted.export({ type: 'spki', format: 'pem' }).toString() });

    expect(result.problems).toEqual([
      { file: 'signature/public-key.pem', reason: `key ${signingKey.fingerprint} is not the trusted key ${trustedFingerprint}` },
    ]);
    expect(result.valid).toBe(false);
  });

  it('reports a signed tag manifest that omits the manifest', async () => {
    const members = new Map(original);
    const tagManifest = memberOf(members, 'bag/tagmanifest-sha256.txt').toString('utf8');
    const trimmed = tagManifest.replace(/^.* {2}manifest-sha256\.txt\n/m, '');
    members.set('bag/tagmanifest-sha256.txt', Buffer.from(trimmed));
    members.set(SIGNATURE, sign(null, Buffer.from(trimmed), signingKey.privateKey));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: 'bag/tagmanifest-sha256.txt', reason: 'does not list manifest-sha256.txt' }]);
  });

  it('reports a message whose name is not its hash', async () => {
    const members = new Map(original);
    const octets = memberOf(members, messageName(0));
    const wrongName = `bag/data/messages/${'0'.repeat(64)}.eml`;
    members.delete(messageName(0));
    members.set(wrongName, octets);
    relistMessage(members, messageHashes[0] ?? '', '0'.repeat(64), octets);
    resign(members);

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([
      { file: wrongName, reason: 'SHA-256 does not match the file name' },
      { file: wrongName, reason: 'message is not recorded in the bundled custody log' },
    ]);
  });

  it('reports a forged message that was renamed, listed and re-signed', async () => {
    const members = new Map(original);
    const forged = Buffer.from(memberOf(members, messageName(0)));
    forged[10] = (forged[10] ?? 0) ^ 0x01;
    const forgedHash = createHash('sha256').update(forged).digest('hex');
    const forgedName = `bag/data/messages/${forgedHash}.eml`;
    members.delete(messageName(0));
    members.set(forgedName, forged);
    relistMessage(members, messageHashes[0] ?? '', forgedHash, forged);
    resign(members);

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: forgedName, reason: 'message is not recorded in the bundled custody log' }]);
  });

  it('reports an edited custody log entry', async () => {
    const members = new Map(original);
    const custodyLog = memberOf(members, 'bag/data/custody/custody-log.jsonl').toString('utf8');
    members.set('bag/data/custody/custody-log.jsonl', Buffer.from(custodyLog.replace('"receivedSize":', '"receivedSize":1')));
    resign(members);

    const result = await verifyMembers(members);

    expect(result.problems.map((problem) => problem.reason)).toContain('line 2: entry hash does not match its content');
  });

  it('reports a member outside the bag', async () => {
    const members = new Map(original);
    members.set('notes.txt', Buffer.from('added later'));

    const result = await verifyMembers(members);

    expect(result.problems).toEqual([{ file: 'notes.txt', reason: 'not part of the bundle format and not covered by the signature' }]);
  });

  it('reports a file that is not a zip', async () => {
    const file = path.join(root, 'not-a-zip.zip');
    await fs.writeFile(file, 'This is plain text, not a zip archive.\n');

    const result = await verifyBundle(file);

    expect(result).toEqual({
      valid: false,
      problems: [{ file: '(bundle)', reason: NOT_A_ZIP }],
      messageCount: 0,
      signerFingerprint: null,
      timestampTime: null,
      timestampSigner: null,
    });
  });

  it('reports a truncated bundle', async () => {
    const bytes = await fs.readFile(bundleFile);
    const file = path.join(root, 'truncated.zip');
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));

    const result = await verifyBundle(file);

    expect(result.problems).toEqual([{ file: '(bundle)', reason: NOT_A_ZIP }]);
  });

  it('reports an entry name with a parent segment', async () => {
    const result = await verifyWithExtraName('bag/data/XX/evil.txt', 'bag/data/../evil.txt');

    expect(result.problems).toEqual([{ file: 'bag/data/../evil.txt', reason: 'entry name contains a ".." segment' }]);
  });

  it('reports an absolute entry name', async () => {
    const result = await verifyWithExtraName('Xetc/evil.txt', '/etc/evil.txt');

    expect(result.problems).toEqual([{ file: '/etc/evil.txt', reason: 'entry name is an absolute path' }]);
  });

  it('reports an entry name with a backslash', async () => {
    const result = await verifyWithExtraName('bag/dataXevil.txt', 'bag/data\\evil.txt');

    expect(result.problems).toEqual([{ file: 'bag/data\\evil.txt', reason: 'entry name contains a backslash' }]);
  });

  it('reports a duplicate entry name', async () => {
    const entries: [string, Buffer][] = [...original.entries()];
    entries.push([messageName(2), memberOf(original, messageName(2))]);
    const file = path.join(root, 'duplicate.zip');
    await fs.writeFile(file, await buildZip(entries));

    const result = await verifyBundle(file);

    expect(result.problems).toEqual([{ file: messageName(2), reason: 'duplicate entry name' }]);
  });

  it('throws BUNDLE_INVALID for a missing file', async () => {
    const missing = path.join(root, 'missing.zip');

    await expect(verifyBundle(missing)).rejects.toMatchObject({ code: 'BUNDLE_INVALID', details: { file: missing } });
  });

  it('throws KEY_INVALID for an invalid trusted key', async () => {
    const error = await verifyBundle(bundleFile, { trustedPublicKeyPem: 'not a key' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MailcaseError);
    expect((error as MailcaseError).code).toBe('KEY_INVALID');
  });
});
