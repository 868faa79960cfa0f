// Checks a real bundle the way a recipient without Mailcase would: the README's commands, an RFC 8493
// structure check written from the RFC rather than from our writer, and an RFC 3161 TSA on loopback.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportBundle } from '../../electron/bundle/export-bundle.js';
import { verifyBundle } from '../../electron/bundle/verify-bundle.js';
import { createTestCase, readZip, run, startTestTsa, TEST_PASSPHRASE, type TestCase, type TestTsa } from './bundle-helpers.js';

const README = path.join(import.meta.dirname, '..', '..', 'README.md');
const COMMANDS_MARKER = '<!-- bundle-verify-commands -->';

let root: string;
let testCase: TestCase;
let tsa: TestTsa;
let bundleFile: string;
let members: Map<string, Buffer>;
let fingerprint: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bundle-tools-'));
  testCase = await createTestCase(path.join(root, 'case'));
  tsa = await startTestTsa(path.join(root, 'tsa'));
  bundleFile = path.join(root, 'bundle.zip');
  const result = await exportBundle({
    store: testCase.store,
    outFile: bundleFile,
    sha256s: testCase.hashes.slice(0, 3),
    configDir: path.join(root, 'config'),
    keyPassphrase: TEST_PASSPHRASE,
    includeMbox: true,
    timestampUrl: tsa.url,
    investigator: 'Ina Vestigator',
    organisation: 'Example Forensics',
  });
  fingerprint = result.signerFingerprint;
  members = await readZip(bundleFile);
});

afterAll(async () => {
  await tsa.stop();
  await fs.rm(root, { recursive: true, force: true });
});

/** Returns the shell block that follows the marker in README.md. */
async function readDocumentedCommands(): Promise<string> {
  const readme = await fs.readFile(README, 'utf8');
  const start = readme.indexOf(COMMANDS_MARKER);
  const match = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start === -1 || !match?.[1]) throw new Error('README has no documented verification commands');
  return match[1];
}

/** Runs the documented commands in a fresh folder holding `zipFile` as bundle.zip and the TSA's CA. */
async function runDocumentedCommands(zipFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const folder = await fs.mkdtemp(path.join(root, 'recipient-'));
  await fs.copyFile(zipFile, path.join(folder, 'bundle.zip'));
  await fs.copyFile(tsa.caFile, path.join(folder, 'tsa-ca.pem'));
  const script = `set -e -o pipefail\n${await readDocumentedCommands()}`;
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd: folder });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

function member(name: string): Buffer {
  const data = members.get(name);
  if (!data) throw new Error(`bundle has no member ${name}`);
  return data;
}

describe('documented verification commands', () => {
  it('succeed on a fresh bundle', async () => {
    const result = await runDocumentedCommands(bundleFile);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Signature Verified Successfully');
    expect(result.stdout).toContain('Verification: OK');
    expect(result.stdout).toContain(`${fingerprint}  -`);
    expect(result.stdout).not.toContain('FAILED');
  });

  it('fail on a bundle with one message byte changed', async () => {
    const name = `bag/data/messages/${testCase.hashes[0] ?? ''}.eml`;
    const tampered = new Map(members);
    const octets = Buffer.from(member(name));
    octets[0] = (octets[0] ?? 0) ^ 0x01;
    tampered.set(name, octets);
    const file = path.join(root, 'tampered.zip');
    await writeZip(file, tampered);

    const result = await runDocumentedCommands(file);

    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(`data/messages/${testCase.hashes[0] ?? ''}.eml: FAILED`);
  });
});

describe('RFC 8493 structure', () => {
  const MANIFEST_LINE = { sha256: /^([0-9a-f]{64}) +(\S.*)$/, sha512: /^([0-9a-f]{128}) +(\S.*)$/ } as const;

  it('has every required tag file', () => {
    for (const name of ['bag/bagit.txt', 'bag/bag-info.txt', 'bag/manifest-sha256.txt', 'bag/manifest-sha512.txt']) {
      expect(members.has(name), name).toBe(true);
    }
  });

  it('declares BagIt 1.0 in UTF-8 with the exact two lines', () => {
    expect(member('bag/bagit.txt').toString('utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  });

  it('writes every bag-info.txt line as label, colon, space, value', () => {
    const lines = member('bag/bag-info.txt').toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(line).toMatch(/^[A-Za-z][A-Za-z0-9-]*: \S.*$/);
  });

  it('states the payload octets and file count in Payload-Oxum', () => {
    const payload = [...members].filter(([name]) => name.startsWith('bag/data/'));
    const octets = payload.reduce((total, [, data]) => total + data.length, 0);

    expect(member('bag/bag-info.txt').toString('utf8')).toContain(`\nPayload-Oxum: ${octets}.${payload.length}\n`);
  });

  it('lists each payload file exactly once in both manifests', () => {
    const payload = [...members.keys()].filter((name) => name.startsWith('bag/data/')).map((name) => name.slice(4)).sort();
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const lines = member(`bag/manifest-${algorithm}.txt`).toString('utf8').trimEnd().split('\n');
      const listed = lines.map((line) => MANIFEST_LINE[algorithm].exec(line)?.[2]).sort();
      expect(listed, algorithm).toEqual(payload);
    }
  });

  it('gives each manifest line a checksum that matches the file', () => {
    for (const kind of ['manifest', 'tagmanifest'] as const) {
      for (const algorithm of ['sha256', 'sha512'] as const) {
        for (const line of member(`bag/${kind}-${algorithm}.txt`).toString('utf8').trimEnd().split('\n')) {
          const match = MANIFEST_LINE[algorithm].exec(line);
          expect(match, line).not.toBeNull();
          const actual = createHash(algorithm).update(member(`bag/${match?.[2] ?? ''}`)).digest('hex');
          expect(actual, `${kind}-${algorithm}: ${match?.[2] ?? ''}`).toBe(match?.[1]);
        }
      }
    }
  });

  it('covers the tag files in both tag manifests', () => {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const listed = member(`bag/tagmanifest-${algorithm}.txt`).toString('utf8').trimEnd().split('\n').map((line) => line.split(/ +/)[1]);
      expect(listed, algorithm).toEqual(['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt']);
    }
  });

  it('passes sha256sum -c and sha512sum -c over every manifest', async () => {
    const folder = await fs.mkdtemp(path.join(root, 'unzipped-'));
    await run('unzip', ['-q', bundleFile, '-d', folder]);
    for (const manifest of ['manifest-sha256.txt', 'tagmanifest-sha256.txt', 'manifest-sha512.txt', 'tagmanifest-sha512.txt']) {
      const tool = manifest.includes('512') ? 'sha512sum' : 'sha256sum';
      const { stdout } = await run(tool, ['-c', '--strict', manifest], { cwd: path.join(folder, 'bag') });
      expect(stdout.trimEnd().split('\n').every((line) => line.endsWith(': OK')), manifest).toBe(true);
    }
  });
});

describe('RFC 3161 time-stamp', () => {
  it('is verified by verifyBundle', async () => {
    const result = await verifyBundle(bundleFile);

    expect(result.valid).toBe(true);
    expect(result.timestampSigner).toBe('2.5.4.3=Mailcase Test TSA');
  });

  it('states a time within the export', async () => {
    const result = await verifyBundle(bundleFile);
    const stated = Date.parse(result.timestampTime ?? '');

    expect(Math.abs(stated - Date.now())).toBeLessThan(60 * 60 * 1000);
  });

  it('is accepted by openssl ts -verify with the CA', async () => {
    const folder = await fs.mkdtemp(path.join(root, 'ts-'));
    await fs.writeFile(path.join(folder, 'tagmanifest-sha256.txt'), member('bag/tagmanifest-sha256.txt'));
    await fs.writeFile(path.join(folder, 'token.tsr'), member('signature/tagmanifest-sha256.txt.tsr'));

    const { stdout } = await run('openssl', ['ts', '-verify', '-data', 'tagmanifest-sha256.txt', '-in', 'token.tsr', '-CAfile', tsa.caFile], { cwd: folder });

    expect(stdout).toContain('Verification: OK');
  });

  it('names the token when it covers another tag manifest', async () => {
    const other = path.join(root, 'other.zip');
    await exportBundle({
      store: testCase.store,
      outFile: other,
      sha256s: testCase.hashes.slice(0, 1),
      configDir: path.join(root, 'config'),
      keyPassphrase: TEST_PASSPHRASE,
      timestampUrl: tsa.url,
    });
    const swapped = new Map(members);
    swapped.set('signature/tagmanifest-sha256.txt.tsr', (await readZip(other)).get('signature/tagmanifest-sha256.txt.tsr') ?? Buffer.alloc(0));
    const file = path.join(root, 'swapped-token.zip');
    await writeZip(file, swapped);

    const result = await verifyBundle(file);

    expect(result.problems).toEqual([{ file: 'signature/tagmanifest-sha256.txt.tsr', reason: 'message imprint is not the SHA-256 of tagmanifest-sha256.txt' }]);
  });

  it('rejects a TSA URL that is not http or https', async () => {
    const error = await exportBundle({
      store: testCase.store,
      outFile: path.join(root, 'never.zip'),
      configDir: path.join(root, 'config'),
      keyPassphrase: TEST_PASSPHRASE,
      timestampUrl: 'file:///etc/passwd',
    }).catch((caught: unknown) => caught);

    expect((error as { code?: string }).code).toBe('INVALID_INPUT');
  });
});

async function writeZip(file: string, entries: Map<string, Buffer>): Promise<void> {
  const { ZipFile } = await import('yazl');
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  await fs.writeFile(file, Buffer.concat(chunks));
}
