// Tamper suite over a real time-stamped bundle. Every single-byte change, every deletion, an added payload
// file and a replaced key pair must fail verification and name the right file, but reordered manifests must
// still verify. Also checks that exports are deterministic, across time zones too.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';

import { exportBundle } from '../../electron/bundle/export-bundle.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../electron/bundle/signing-key.js';
import { verifyBundle } from '../../electron/bundle/verify-bundle.js';
import { createTestCase, readZip, startTestTsa, TEST_PASSPHRASE, type TestCase, type TestTsa } from './bundle-helpers.js';

const BAGGING_DATE = '2026-03-10';
const TIMESTAMP = 'signature/tagmanifest-sha256.txt.tsr';

let root: string;
let configDir: string;
let testCase: TestCase;
let tsa: TestTsa;
let signingKey: SigningKey;
let stamped: Map<string, Buffer>;
let plain: Map<string, Buffer>;
let counter = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bundle-tamper-'));
  configDir = path.join(root, 'config');
  testCase = await createTestCase(path.join(root, 'case'));
  tsa = await startTestTsa(path.join(root, 'tsa'));
  const common = { store: testCase.store, sha256s: testCase.hashes.slice(0, 3), configDir, keyPassphrase: TEST_PASSPHRASE, baggingDate: BAGGING_DATE };

  await exportBundle({ ...common, outFile: path.join(root, 'stamped.zip'), includeMbox: true, timestampUrl: tsa.url });
  await exportBundle({ ...common, outFile: path.join(root, 'plain.zip') });
  stamped = await readZip(path.join(root, 'stamped.zip'));
  plain = await readZip(path.join(root, 'plain.zip'));
  signingKey = await loadOrCreateSigningKey(configDir, TEST_PASSPHRASE);
});

afterAll(async () => {
  await tsa.stop();
  await fs.rm(root, { recursive: true, force: true });
});

async function zipBytes(entries: Map<string, Buffer>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes the members as a new zip and verifies it against the investigator's key. */
async function verifyMembers(members: Map<string, Buffer>, trustedPublicKeyPem: string | undefined = signingKey.publicKeyPem) {
  counter += 1;
  const file = path.join(root, `variant-${counter}.zip`);
  await fs.writeFile(file, await zipBytes(members));
  return verifyBundle(file, trustedPublicKeyPem === undefined ? {} : { trustedPublicKeyPem });
}

function memberOf(members: Map<string, Buffer>, name: string): Buffer {
  const data = members.get(name);
  if (!data) throw new Error(`bundle has no member ${name}`);
  return data;
}

function withByteFlipped(data: Buffer, index: number): Buffer {
  const copy = Buffer.from(data);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

function hexOf(algorithm: 'sha256' | 'sha512', data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** Rewrites both tag manifests from the current tag files and signs with `privateKey`, as the exporter does. */
function resign(members: Map<string, Buffer>, key: SigningKey['privateKey'] = signingKey.privateKey): void {
  const tagFiles = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'];
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const text = tagFiles.map((name) => `${hexOf(algorithm, memberOf(members, `bag/${name}`))}  ${name}\n`).join('');
    members.set(`bag/tagmanifest-${algorithm}.txt`, Buffer.from(text));
  }
  members.set('signature/tagmanifest-sha256.txt.sig', sign(null, memberOf(members, 'bag/tagmanifest-sha256.txt'), key));
}

function reversedLines(data: Buffer): Buffer {
  const lines = data.toString('utf8').trimEnd().split('\n').reverse();
  return Buffer.from(lines.join('\n') + '\n');
}

describe('bundle tamper suite', () => {
  it('accepts both untouched bundles', async () => {
    expect((await verifyMembers(stamped)).problems).toEqual([]);
    expect((await verifyMembers(plain)).problems).toEqual([]);
  });

  it('names each file when one byte of it changes', async () => {
    const missed: { name: string; problems: string[] }[] = [];
    for (const [name, data] of stamped) {
      for (const index of [0, Math.floor(data.length / 2), data.length - 1]) {
        const tampered = new Map(stamped);
        tampered.set(name, withByteFlipped(data, index));
        const result = await verifyMembers(tampered);
        if (result.valid || !result.problems.some((problem) => problem.file === name)) {
          missed.push({ name: `${name} at ${index}`, problems: result.problems.map((problem) => `${problem.file}: ${problem.reason}`) });
        }
      }
    }

    expect(missed).toEqual([]);
  });

  it('names each file when it is deleted', async () => {
    const missed: string[] = [];
    for (const name of stamped.keys()) {
      const tampered = new Map(stamped);
      tampered.delete(name);
      const result = await verifyMembers(tampered);
      if (result.valid || !result.problems.some((problem) => problem.file === name)) missed.push(name);
    }

    expect(missed).toEqual([]);
  });

  it('names an added payload file', async () => {
    const tampered = new Map(stamped);
    tampered.set('bag/data/messages/extra.eml', Buffer.from('Subject: planted\r\n\r\n'));

    const result = await verifyMembers(tampered);

    expect(result.problems).toContainEqual({ file: 'bag/data/messages/extra.eml', reason: 'not listed in manifest-sha256.txt or manifest-sha512.txt' });
  });

  it('accepts a reordered unsigned tag manifest', async () => {
    const reordered = new Map(stamped);
    reordered.set('bag/tagmanifest-sha512.txt', reversedLines(memberOf(stamped, 'bag/tagmanifest-sha512.txt')));

    const result = await verifyMembers(reordered);

    expect(result.problems).toEqual([]);
  });

  it('accepts reordered payload manifests signed again by the investigator', async () => {
    const reordered = new Map(plain);
    reordered.set('bag/manifest-sha256.txt', reversedLines(memberOf(plain, 'bag/manifest-sha256.txt')));
    reordered.set('bag/manifest-sha512.txt', reversedLines(memberOf(plain, 'bag/manifest-sha512.txt')));
    resign(reordered);

    const result = await verifyMembers(reordered);

    expect(result.problems).toEqual([]);
  });

  it('names the public key when another valid key pair replaces it', async () => {
    const other = generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const otherFingerprint = hexOf('sha256', other.publicKey.export({ type: 'spki', format: 'der' }));
    const replaced = new Map(plain);
    replaced.set('signature/public-key.pem', Buffer.from(otherPem));
    replaced.set('signature/fingerprint.txt', Buffer.from(`${otherFingerprint}\n`));
    resign(replaced, other.privateKey);

    const result = await verifyMembers(replaced);

    expect(result.problems).toEqual([
      { file: 'signature/public-key.pem', reason: `key ${otherFingerprint} is not the trusted key ${signingKey.fingerprint}` },
    ]);
  });

  it('accepts a replaced key pair when no trusted key is given', async () => {
    const other = generateKeyPairSync('ed25519');
    const otherFingerprint = hexOf('sha256', other.publicKey.export({ type: 'spki', format: 'der' }));
    const replaced = new Map(plain);
    replaced.set('signature/public-key.pem', Buffer.from(other.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    replaced.set('signature/fingerprint.txt', Buffer.from(`${otherFingerprint}\n`));
    resign(replaced, other.privateKey);

    const result = await verifyMembers(replaced, undefined);

    // Only a key obtained separately can distinguish a re-signed bundle from the investigator's.
    expect(result.signerFingerprint).toBe(otherFingerprint);
  });

  it('names the time-stamp removed from a bundle that states one', async () => {
    const removed = new Map(stamped);
    removed.delete(TIMESTAMP);

    const result = await verifyMembers(removed);

    expect(result.problems).toEqual([{ file: TIMESTAMP, reason: `missing, but bag-info.txt states a time-stamp from ${new URL(tsa.url).origin}` }]);
  });

  it('names a message renamed to another hash and listed again', async () => {
    const [first] = testCase.hashes as [string];
    const forged = Buffer.from('Subject: forged\r\n\r\nPlanted.\r\n');
    const forgedHash = hexOf('sha256', forged);
    const tampered = new Map(plain);
    tampered.delete(`bag/data/messages/${first}.eml`);
    tampered.set(`bag/data/messages/${forgedHash}.eml`, forged);
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const manifest = memberOf(plain, `bag/manifest-${algorithm}.txt`).toString('utf8');
      const line = `${hexOf(algorithm, forged)}  data/messages/${forgedHash}.eml`;
      const edited = manifest.split('\n').map((entry) => (entry.includes(first) ? line : entry)).join('\n');
      tampered.set(`bag/manifest-${algorithm}.txt`, Buffer.from(edited));
    }
    const oxum = /Payload-Oxum: (\d+)\.(\d+)/.exec(memberOf(plain, 'bag/bag-info.txt').toString('utf8'));
    const octets = Number(oxum?.[1]) - memberOf(plain, `bag/data/messages/${first}.eml`).length + forged.length;
    tampered.set('bag/bag-info.txt', Buffer.from(memberOf(plain, 'bag/bag-info.txt').toString('utf8').replace(/Payload-Oxum: \S+/, `Payload-Oxum: ${octets}.${oxum?.[2] ?? ''}`)));
    resign(tampered);

    const result = await verifyMembers(tampered);

    expect(result.problems).toEqual([{ file: `bag/data/messages/${forgedHash}.eml`, reason: 'message is not recorded in the bundled custody log' }]);
  });
});

describe('bundle determinism', () => {
  it('writes identical manifests on a second export', async () => {
    await exportBundle({
      store: testCase.store,
      outFile: path.join(root, 'again.zip'),
      sha256s: testCase.hashes.slice(0, 3),
      configDir,
      keyPassphrase: TEST_PASSPHRASE,
      baggingDate: BAGGING_DATE,
    });
    const again = await readZip(path.join(root, 'again.zip'));

    for (const name of ['bag/manifest-sha256.txt', 'bag/manifest-sha512.txt', 'bag/tagmanifest-sha256.txt', 'bag/tagmanifest-sha512.txt']) {
      expect(memberOf(again, name).equals(memberOf(plain, name)), name).toBe(true);
    }
  });

  it('writes an identical zip in two time zones', async () => {
    const previous = process.env.TZ;
    const files: Buffer[] = [];
    const offsets: number[] = [];
    try {
      for (const zone of ['UTC', 'Asia/Kolkata']) {
        process.env.TZ = zone;
        offsets.push(new Date(2000, 0, 1).getTimezoneOffset());
        const outFile = path.join(root, `zone-${zone.replace('/', '-')}.zip`);
        await exportBundle({
          store: testCase.store,
          outFile,
          sha256s: testCase.hashes.slice(0, 3),
          configDir,
          keyPassphrase: TEST_PASSPHRASE,
          baggingDate: BAGGING_DATE,
          includeMbox: true,
        });
        files.push(await fs.readFile(outFile));
      }
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }

    expect(offsets).toEqual([0, -330]);
    expect(files[0]?.equals(files[1] ?? Buffer.alloc(0))).toBe(true);
  });

  it('writes the same zip as the first export', async () => {
    const outFile = path.join(root, 'third.zip');
    await exportBundle({
      store: testCase.store,
      outFile,
      sha256s: testCase.hashes.slice(0, 3),
      configDir,
      keyPassphrase: TEST_PASSPHRASE,
      baggingDate: BAGGING_DATE,
    });

    expect((await fs.readFile(outFile)).equals(await fs.readFile(path.join(root, 'plain.zip')))).toBe(true);
  });
});
