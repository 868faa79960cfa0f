import { createHash, createPublicKey, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';

import { exportBundle } from '../../electron/bundle/export-bundle.js';
import { loadOrCreateSigningKey } from '../../electron/bundle/signing-key.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { MailcaseError } from '../../shared/errors.js';
import { createAddress, createEmptyRecord, type MessageRecord } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';

const MESSAGES = [
  'From: alice@example.org\r\nTo: bob@example.org\r\nSubject: First\r\n\r\nHello Bob.\r\n',
  'From: carol@example.org\r\nSubject: Second\r\n\r\nBinary-ish body \u00e9\r\n.\r\n',
  'Subject: Third\r\n\r\nNo final line break',
].map((text) => Buffer.from(text, 'utf8'));

let root: string;
let configDir: string;
let store: CaseStore;
let hashes: string[];

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-export-'));
  configDir = path.join(root, 'config');
  store = await CaseStore.create(path.join(root, 'case'), 'Export test');
  hashes = [];
  for (const message of MESSAGES) hashes.push(await storeMessage(store, message));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function storeMessage(target: CaseStore, octets: Buffer): Promise<string> {
  const writer = await target.createEvidenceWriter();
  await writer.write(octets);
  return (await writer.commit()).sha256;
}

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

async function readZipNames(file: string): Promise<string[]> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const names: string[] = [];
  for await (const entry of zip.eachEntry()) names.push(entry.fileName);
  zip.close();
  return names;
}

function member(members: Map<string, Buffer>, name: string): Buffer {
  const data = members.get(name);
  if (!data) throw new Error(`bundle has no member ${name}`);
  return data;
}

function sortedByHash(): { sha256: string; octets: Buffer }[] {
  return MESSAGES.map((octets) => ({ sha256: sha256Of(octets), octets })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
}

async function captureError(promise: Promise<unknown>): Promise<MailcaseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MailcaseError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

describe('exportBundle', () => {
  it('refuses an output folder that does not exist', async () => {
    const outFile = path.join(root, 'missing', 'bundle.zip');

    await expect(exportBundle({ store, outFile, configDir })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(fs.stat(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never replaces an existing file', async () => {
    const outFile = path.join(root, 'existing.txt');
    await fs.writeFile(outFile, 'keep me');

    await expect(exportBundle({ store, outFile, configDir })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fs.readFile(outFile, 'utf8')).toBe('keep me');
  });

  it('refuses a bundle path inside the case folder', async () => {
    const outFile = path.join(store.dir, 'evidence', 'bundle.zip');

    await expect(exportBundle({ store, outFile, configDir })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('lists every payload file in the manifest', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    const listed = member(members, 'bag/manifest-sha256.txt').toString('utf8').trimEnd().split('\n').map((line) => line.slice(66));
    expect(listed).toEqual([
      'data/custody/custody-log.jsonl',
      'data/loadfile.csv',
      'data/loadfile.json',
      ...sortedByHash().map((m) => `data/messages/${m.sha256}.eml`),
      'data/report.html',
      'data/review/review-states.json',
    ]);
  });

  it('gives each message its own SHA-256 and SHA-512 in the manifests', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    for (const { sha256, octets } of sortedByHash()) {
      const sha512 = createHash('sha512').update(octets).digest('hex');
      expect(member(members, 'bag/manifest-sha256.txt').toString('utf8')).toContain(`${sha256}  data/messages/${sha256}.eml\n`);
      expect(member(members, 'bag/manifest-sha512.txt').toString('utf8')).toContain(`${sha512}  data/messages/${sha256}.eml\n`);
    }
  });

  it('bundles only the case creation from a log without acquisitions', async () => {
    const [created] = (await fs.readFile(store.custodyLog.filePath, 'utf8')).split('\n');
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    expect(member(members, 'bag/data/custody/custody-log.jsonl').toString('utf8')).toBe(`${created ?? ''}\n`);
  });

  it('writes every message octet for octet', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    for (const { sha256, octets } of sortedByHash()) {
      expect(member(members, `bag/data/messages/${sha256}.eml`).equals(octets)).toBe(true);
    }
  });

  it('writes the bag declaration', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    expect(member(members, 'bag/bagit.txt').toString('utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  });

  it('writes the exact bag-info.txt', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir, baggingDate: '2026-03-10', investigator: 'Ina Vestigator', organisation: 'Example Forensics', caseReference: 'CR-7' });

    const members = await readZip(outFile);
    const payload = [...members].filter(([name]) => name.startsWith('bag/data/'));
    const octets = payload.reduce((sum, [, data]) => sum + data.length, 0);
    expect(member(members, 'bag/bag-info.txt').toString('utf8')).toBe(
      [
        `Bag-Software-Agent: Mailcase ${APP_VERSION}`,
        'Bagging-Date: 2026-03-10',
        'Case-Name: Export test',
        'Case-Reference: CR-7',
        'Contact-Name: Ina Vestigator',
        'External-Identifier: CR-7',
        `Internal-Sender-Identifier: ${store.info.caseId}`,
        'Investigator: Ina Vestigator',
        `Mailcase-Version: ${APP_VERSION}`,
        'Message-Count: 3',
        'Organisation: Example Forensics',
        `Payload-Oxum: ${octets}.${payload.length}`,
        'Source-Organization: Example Forensics',
        '',
      ].join('\n'),
    );
  });

  it('reads investigator and organisation from case.json', async () => {
    const infoPath = path.join(store.dir, 'case.json');
    const info = JSON.parse(await fs.readFile(infoPath, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(infoPath, JSON.stringify({ ...info, investigator: 'Case File Investigator', organisation: 'Case File Org', reference: 'REF-1' }));
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const bagInfo = member(await readZip(outFile), 'bag/bag-info.txt').toString('utf8');
    expect(bagInfo).toContain('\nInvestigator: Case File Investigator\n');
    expect(bagInfo).toContain('\nOrganisation: Case File Org\n');
    expect(bagInfo).toContain('\nCase-Reference: REF-1\n');
  });

  it('bundles the rule run record with the hash of its source', async () => {
    const ruleRun = Buffer.from('{"rules":[]}\n', 'utf8');
    await fs.writeFile(store.derivedPath('rules', 'latest.json'), ruleRun);
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    const bundled = JSON.parse(member(members, 'bag/data/rules/latest.json').toString('utf8')) as Record<string, unknown>;
    expect(bundled['source']).toEqual({ file: 'derived/rules/latest.json', sha256: sha256Of(ruleRun) });
    expect(bundled['record']).toEqual({ rules: [] });
  });

  it('lists the tag files in both tag manifests', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const expected = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt']
        .map((name) => `${createHash(algorithm).update(member(members, `bag/${name}`)).digest('hex')}  ${name}\n`)
        .join('');
      expect(member(members, `bag/tagmanifest-${algorithm}.txt`).toString('utf8')).toBe(expected);
    }
  });

  it('signs the tag manifest with Ed25519', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    const publicKey = createPublicKey(member(members, 'signature/public-key.pem'));
    const signature = member(members, 'signature/tagmanifest-sha256.txt.sig');
    expect(signature.length).toBe(64);
    expect(verify(null, member(members, 'bag/tagmanifest-sha256.txt'), publicKey, signature)).toBe(true);
  });

  it('includes the signing key and its fingerprint', async () => {
    const outFile = path.join(root, 'bundle.zip');
    const key = await loadOrCreateSigningKey(configDir);

    const result = await exportBundle({ store, outFile, configDir });

    const members = await readZip(outFile);
    expect(member(members, 'signature/public-key.pem').toString('utf8')).toBe(key.publicKeyPem);
    expect(member(members, 'signature/fingerprint.txt').toString('utf8')).toBe(`${key.fingerprint}\n`);
    expect(result.signerFingerprint).toBe(key.fingerprint);
  });

  it('summarizes messages from their derived records', async () => {
    const [first] = sortedByHash();
    if (!first) throw new Error('no messages');
    const record: MessageRecord = {
      ...createEmptyRecord(first.sha256, first.octets.length),
      date: '2024-03-01T10:00:00.000Z',
      subject: 'Quarterly numbers',
      from: [createAddress('Alice', 'alice@example.org'), createAddress('', 'bob@example.org')],
    };
    await store.saveRecord(record);
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir, sha256s: [first.sha256] });

    const members = await readZip(outFile);
    const loadFile = JSON.parse(member(members, 'bag/data/loadfile.json').toString('utf8')) as { messages: Record<string, unknown>[] };
    expect(loadFile.messages.map((row) => [row['sha256'], row['size'], row['date'], row['from'], row['subject']])).toEqual([
      [first.sha256, first.octets.length, '2024-03-01T10:00:00.000Z', 'Alice <alice@example.org>, bob@example.org', 'Quarterly numbers'],
    ]);
  });

  it('stores members in sorted order', async () => {
    const outFile = path.join(root, 'bundle.zip');

    await exportBundle({ store, outFile, configDir });

    const names = await readZipNames(outFile);
    expect(names).toEqual([...names].sort());
    expect(names.length).toBe(17);
  });

  it('gives identical manifests for the same case', async () => {
    const copyDir = path.join(root, 'case-copy');
    await fs.cp(store.dir, copyDir, { recursive: true });
    const copy = await CaseStore.open(copyDir);
    const firstFile = path.join(root, 'first.zip');
    const secondFile = path.join(root, 'second.zip');

    const first = await exportBundle({ store, outFile: firstFile, configDir });
    const second = await exportBundle({ store: copy, outFile: secondFile, configDir });

    const firstMembers = await readZip(firstFile);
    const secondMembers = await readZip(secondFile);
    expect(member(secondMembers, 'bag/manifest-sha256.txt').equals(member(firstMembers, 'bag/manifest-sha256.txt'))).toBe(true);
    expect(member(secondMembers, 'bag/tagmanifest-sha256.txt').equals(member(firstMembers, 'bag/tagmanifest-sha256.txt'))).toBe(true);
    expect(second.sha256).toBe(first.sha256);
  });

  it('exports only the selected messages', async () => {
    const [, second] = sortedByHash();
    if (!second) throw new Error('no messages');
    const outFile = path.join(root, 'subset.zip');

    const result = await exportBundle({ store, outFile, configDir, sha256s: [second.sha256, second.sha256] });

    const names = await readZipNames(outFile);
    expect(names.filter((name) => name.startsWith('bag/data/messages/'))).toEqual([`bag/data/messages/${second.sha256}.eml`]);
    expect(result.messageCount).toBe(1);
  });

  it('returns the SHA-256 of the zip file', async () => {
    const outFile = path.join(root, 'bundle.zip');

    const result = await exportBundle({ store, outFile, configDir });

    expect(result.sha256).toBe(sha256Of(await fs.readFile(outFile)));
    expect(result.file).toBe(outFile);
    expect(result.messageCount).toBe(3);
  });

  it('logs bundle-exported in the custody log', async () => {
    const outFile = path.join(root, 'bundle.zip');

    const result = await exportBundle({ store, outFile, configDir });

    const last = (await store.custodyLog.readAll()).at(-1);
    expect(last?.type).toBe('bundle-exported');
    expect(last?.data).toEqual({ file: outFile, sha256: result.sha256, messageCount: 3, signerFingerprint: result.signerFingerprint, timestamped: false });
    expect(await store.custodyLog.verifyChain()).toEqual([]);
  });

  it('rejects an unknown message with MESSAGE_NOT_FOUND', async () => {
    const outFile = path.join(root, 'bundle.zip');
    const unknown = 'f'.repeat(64);

    const error = await captureError(exportBundle({ store, outFile, configDir, sha256s: [hashes[0] ?? '', unknown] }));

    expect(error.code).toBe('MESSAGE_NOT_FOUND');
    expect(error.details.missing).toEqual([unknown]);
    await expect(fs.stat(outFile)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a stored message whose content no longer matches its name', async () => {
    const target = store.messagePath(hashes[0] ?? '');
    await fs.chmod(target, 0o644);
    await fs.writeFile(target, 'tampered');
    const outFile = path.join(root, 'bundle.zip');

    const error = await captureError(exportBundle({ store, outFile, configDir }));

    expect(error.code).toBe('CASE_INVALID');
    expect(error.details.file).toBe(target);
    expect(await fs.readdir(root)).toEqual(['case', 'config']);
  });

  it('leaves an existing bundle in place when the export fails', async () => {
    const outFile = path.join(root, 'bundle.zip');
    await fs.writeFile(outFile, 'previous bundle');

    await captureError(exportBundle({ store, outFile, configDir, sha256s: ['f'.repeat(64)] }));

    expect(await fs.readFile(outFile, 'utf8')).toBe('previous bundle');
  });
});
