// Runs the compiled mailcase command end to end against a real Dovecot: acquire, search, rules, export,
// verify with Mailcase and with standard tools only, verify-case. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDovecot, type DovecotServer } from '../helpers/dovecot.js';

const execFileAsync = promisify(execFile);
const CLI = path.resolve('bin/mailcase.js');
const PASSWORD = 'Tr0ub4dor&3-cli-secret';

const MESSAGES = [
  'From: Dana Suspect <dana@acme.example>\r\nTo: Max <max@sales.rival.example>\r\nSubject: Falcon pricing sheet\r\n' +
    'Date: Mon, 02 Nov 2026 09:15:00 +0000\r\nMessage-ID: <m1@acme.example>\r\n\r\nAttached is the Falcon pricing for Q1.\r\n',
  'From: Max <max@rival.example>\r\nTo: Dana Suspect <dana@acme.example>\r\nSubject: Re: numbers\r\n' +
    'Date: Tue, 03 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m2@rival.example>\r\n\r\nThanks. Is Project\r\nFalcon still on?\r\n',
  'From: Lee <lee@acme.example>\r\nTo: Dana Suspect <dana@acme.example>\r\nSubject: Lunch\r\n' +
    'Date: Wed, 04 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m3@acme.example>\r\n\r\nLunch at noon?\r\n.\r\n..\r\n.x\r\n',
];

const RULES = {
  version: 1,
  rules: [
    { id: 'competitors', name: 'Mail with competitors', type: 'domain-list', domains: ['rival.example'] },
    { id: 'codewords', name: 'Internal codewords', type: 'keyword-list', keywords: ['Project Falcon'] },
  ],
};

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function extractZip(file: string, target: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const destination = path.join(target, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, async (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        await fs.mkdir(path.dirname(destination), { recursive: true });
        await fs.writeFile(destination, Buffer.concat(chunks));
        zip.readEntry();
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Returns the zip offset of the middle byte of a member's stored (possibly compressed) data. */
async function findMemberDataOffset(file: string, member: string): Promise<number> {
  const zipBytes = await fs.readFile(file);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
    zip.on('entry', (candidate: yauzl.Entry) => (candidate.fileName === member ? resolve(candidate) : zip.readEntry()));
    zip.on('end', () => reject(new Error(`${member} is not in ${file}`)));
    zip.readEntry();
  });
  zip.close();

  // Local file header: 30 fixed bytes, then the name and the extra field (APPNOTE.TXT section 4.3.7).
  const header = entry.relativeOffsetOfLocalHeader;
  const nameLength = zipBytes.readUInt16LE(header + 26);
  const extraLength = zipBytes.readUInt16LE(header + 28);
  return header + 30 + nameLength + extraLength + Math.floor(entry.compressedSize / 2);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Passphrase of the test's signing key; the CLI reads it from MAILCASE_KEY_PASSPHRASE. */
const KEY_PASSPHRASE = 'test signing passphrase';

/** Returns every member of a zip concatenated; a zip with a bad CRC (the tampered copy) still gives its octets. */
async function unzipMembers(file: string): Promise<Buffer> {
  try {
    return (await execFileAsync('unzip', ['-p', file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    return (error as { stdout?: Buffer }).stdout ?? Buffer.alloc(0);
  }
}

describe('mailcase CLI', () => {
  let server: DovecotServer;
  let work: string;
  let env: Record<string, string>;
  let caseDir: string;

  beforeAll(async () => {
    server = await startDovecot({ messages: MESSAGES.map((text) => Buffer.from(text)), user: 'dana', password: PASSWORD });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-cli-'));
    caseDir = path.join(work, 'case');
    env = { MAILCASE_PASSWORD: PASSWORD, MAILCASE_CONFIG_DIR: path.join(work, 'config'), MAILCASE_KEY_PASSPHRASE: KEY_PASSPHRASE };
  });

  afterAll(async () => {
    await server?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  const mailboxArgs = (): string[] => ['--host', '127.0.0.1', '--port', String(server.plainPort), '--security', 'none', '--user', 'dana'];

  it('acquires every message byte-exact', async () => {
    const result = await runCli(['acquire', '--case', caseDir, ...mailboxArgs(), '--json'], env);
    const summary = JSON.parse(result.stdout) as { newMessages: string[]; alreadyHeld: number; parsed: number };

    expect(result.code).toBe(0);
    expect(summary.newMessages).toEqual(MESSAGES.map((text) => sha256(text)));
    expect(summary.alreadyHeld).toBe(0);
    expect(summary.parsed).toBe(3);
  });

  it('fetches nothing on a second run', async () => {
    const result = await runCli(['acquire', '--case', caseDir, ...mailboxArgs(), '--json'], env);
    const summary = JSON.parse(result.stdout) as { newMessages: string[]; alreadyHeld: number };

    expect(summary.newMessages).toEqual([]);
    expect(summary.alreadyHeld).toBe(3);
  });

  it('reports a wrong password in one line', async () => {
    const result = await runCli(['acquire', '--case', caseDir, ...mailboxArgs()], { ...env, MAILCASE_PASSWORD: 'wrong-password' });

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^mailcase: .*password/i);
  });

  it('searches with exact counts', async () => {
    const result = await runCli(['search', '--case', caseDir, 'falcon', '--json'], env);
    const parsed = JSON.parse(result.stdout) as { total: number; hits: { sha256: string }[] };

    expect(parsed.total).toBe(2);
    expect(parsed.hits.map((hit) => hit.sha256).sort()).toEqual([sha256(MESSAGES[0] ?? ''), sha256(MESSAGES[1] ?? '')].sort());
  });

  it('runs a rule file with exact hits', async () => {
    const rulesFile = path.join(work, 'rules.json');
    await fs.writeFile(rulesFile, JSON.stringify(RULES));

    const result = await runCli(['rules', '--case', caseDir, '--rules', rulesFile, '--json'], env);
    const parsed = JSON.parse(result.stdout) as { rules: { id: string; hits: number; messages: string[] }[] };

    expect(parsed.rules.map((rule) => [rule.id, rule.hits])).toEqual([
      ['competitors', 2],
      ['codewords', 1],
    ]);
    expect(parsed.rules[1]?.messages).toEqual([sha256(MESSAGES[1] ?? '')]);
  });

  it('lists every invalid field of a rule file', async () => {
    const rulesFile = path.join(work, 'bad-rules.json');
    await fs.writeFile(rulesFile, JSON.stringify({ version: 1, rules: [{ id: 'x', name: 'x', type: 'domain-list', domains: [] }, { id: 'y', type: 'nope' }] }));

    const result = await runCli(['rules', '--case', caseDir, '--rules', rulesFile], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rules[0].domains');
    expect(result.stderr).toContain('rules[1]');
  });

  it('exports a bundle that verifies with Mailcase and with standard tools', async () => {
    const bundle = path.join(work, 'bundle.zip');
    const exported = await runCli(['export', '--case', caseDir, '--out', bundle, '--json'], env);
    const verified = await runCli(['verify', bundle, '--json'], env);
    const verification = JSON.parse(verified.stdout) as { valid: boolean; problems: unknown[] };

    expect(exported.code).toBe(0);
    expect(verified.code).toBe(0);
    expect(verification).toMatchObject({ valid: true, problems: [] });

    const extracted = path.join(work, 'extracted');
    await extractZip(bundle, extracted);
    const bag = path.join(extracted, 'bag');
    const manifestCheck = await execFileAsync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: bag });
    const tagCheck = await execFileAsync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: bag });
    const signatureCheck = await execFileAsync('openssl', [
      'pkeyutl', '-verify', '-pubin', '-inkey', path.join(extracted, 'signature/public-key.pem'), '-rawin',
      '-in', path.join(bag, 'tagmanifest-sha256.txt'), '-sigfile', path.join(extracted, 'signature/tagmanifest-sha256.txt.sig'),
    ]);

    expect(manifestCheck.stdout).toContain(`data/messages/${sha256(MESSAGES[0] ?? '')}.eml: OK`);
    expect(tagCheck.stdout).toContain('manifest-sha256.txt: OK');
    expect(signatureCheck.stdout.trim()).toBe('Signature Verified Successfully');
  });

  it('names the investigator own key as the signer', async () => {
    const result = await runCli(['verify', path.join(work, 'bundle.zip'), '--json'], env);

    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, signerTrust: 'own-key' });
  });

  it('rejects a bundle signed by a key other than the trusted one', async () => {
    const otherKey = 'ab'.repeat(32);
    const result = await runCli(['verify', path.join(work, 'bundle.zip'), '--json', '--trusted-fingerprint', otherKey], env);
    const verification = JSON.parse(result.stdout) as { valid: boolean; signerTrust: string; problems: { file: string }[] };

    expect(result.code).toBe(1);
    expect(verification.signerTrust).toBe('not-trusted');
    expect(verification.problems.map((problem) => problem.file)).toEqual(['signature/public-key.pem']);
  });

  it('leaves the signer unchecked for someone without a trusted key', async () => {
    const result = await runCli(['verify', path.join(work, 'bundle.zip'), '--json'], { ...env, MAILCASE_CONFIG_DIR: path.join(work, 'other-config') });

    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, signerTrust: 'unchecked' });
  });

  it('never overwrites an existing bundle', async () => {
    const result = await runCli(['export', '--case', caseDir, '--out', path.join(work, 'bundle.zip')], env);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already exists');
  });

  it('exports only the messages a query returns', async () => {
    const bundle = path.join(work, 'subset.zip');
    const exported = await runCli(['export', '--case', caseDir, '--out', bundle, '--query', 'lunch', '--json'], env);

    expect(JSON.parse(exported.stdout)).toMatchObject({ messageCount: 1 });
  });

  it('rejects a bundle with one changed byte and names the file', async () => {
    const bundle = path.join(work, 'bundle.zip');
    const tampered = path.join(work, 'tampered.zip');
    const zipBytes = await fs.readFile(bundle);
    const member = `bag/data/messages/${sha256(MESSAGES[2] ?? '')}.eml`;
    const offset = await findMemberDataOffset(bundle, member);
    zipBytes[offset] = (zipBytes[offset] ?? 0) ^ 0x01;
    await fs.writeFile(tampered, zipBytes);

    const result = await runCli(['verify', tampered, '--json'], env);
    const verification = JSON.parse(result.stdout) as { valid: boolean; problems: { file: string }[] };

    expect(result.code).toBe(1);
    expect(verification.valid).toBe(false);
    expect(verification.problems.map((problem) => problem.file)).toContain(member);
  });

  it('verifies the case and then detects an altered message', async () => {
    const intact = await runCli(['verify-case', '--case', caseDir, '--json'], env);
    expect(intact.code).toBe(0);

    const victim = path.join(caseDir, 'evidence', 'messages', sha256(MESSAGES[2] ?? '').slice(0, 2), `${sha256(MESSAGES[2] ?? '')}.eml`);
    await fs.chmod(victim, 0o644);
    await fs.writeFile(victim, (MESSAGES[2] ?? '').replace('noon', 'n00n'));
    const altered = await runCli(['verify-case', '--case', caseDir, '--json'], env);
    const report = JSON.parse(altered.stdout) as { valid: boolean; problems: { file: string }[] };

    expect(altered.code).toBe(1);
    expect(report.valid).toBe(false);
    expect(report.problems.some((problem) => problem.file.endsWith(`${sha256(MESSAGES[2] ?? '')}.eml`))).toBe(true);
  });

  it('writes the password and key passphrase to no file', async () => {
    const files = [...(await listFiles(work))];
    const holders: string[] = [];
    for (const file of files) {
      // Bundle members are compressed, so each zip is checked as its unpacked members too.
      const contents: Buffer[] = [await fs.readFile(file)];
      if (file.endsWith('.zip')) contents.push(await unzipMembers(file));
      for (const secret of [PASSWORD, KEY_PASSPHRASE]) {
        if (contents.some((content) => content.includes(Buffer.from(secret)))) holders.push(`${path.relative(work, file)}: ${secret}`);
      }
    }

    expect(files.filter((file) => file.endsWith('.zip')).length).toBeGreaterThan(0);
    expect(holders).toEqual([]);
  });
});
