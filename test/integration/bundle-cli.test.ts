// The bundle commands of the CLI, run in-process: export with case details and a passphrase-protected key,
// key export-public, and verify against the exported public key.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { runCli } from '../../electron/cli/main.js';
import { MailcaseError } from '../../shared/errors.js';
import { createTestCase, readZip, TEST_PASSPHRASE, type TestCase } from './bundle-helpers.js';

const ENVIRONMENT = ['MAILCASE_CONFIG_DIR', 'MAILCASE_KEY_PASSPHRASE'] as const;

let root: string;
let testCase: TestCase;
const savedEnvironment = new Map<string, string | undefined>();

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bundle-cli-'));
  testCase = await createTestCase(path.join(root, 'case'));
  for (const name of ENVIRONMENT) savedEnvironment.set(name, process.env[name]);
  process.env.MAILCASE_CONFIG_DIR = path.join(root, 'config');
  process.env.MAILCASE_KEY_PASSPHRASE = TEST_PASSPHRASE;
});

afterAll(async () => {
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await fs.rm(root, { recursive: true, force: true });
});

/** Runs the CLI in this process and returns its exit status and standard output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    return { code: await runCli(args), stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('bundle commands', () => {
  it('export writes the investigator and organisation given', async () => {
    const outFile = path.join(root, 'bundle.zip');

    const result = await cli(['export', '--case', testCase.store.dir, '--out', outFile, '--investigator', 'Ina Vestigator', '--organisation', 'Example Forensics', '--mbox', '--json']);

    expect(result.code).toBe(0);
    const bagInfo = (await readZip(outFile)).get('bag/bag-info.txt')?.toString('utf8') ?? '';
    expect(bagInfo).toContain('\nInvestigator: Ina Vestigator\n');
    expect(bagInfo).toContain('\nOrganisation: Example Forensics\n');
  });

  it('export adds the mbox when asked', async () => {
    const members = await readZip(path.join(root, 'bundle.zip'));

    expect(members.has('bag/data/messages.mbox')).toBe(true);
  });

  it('key export-public writes the key that signed the bundle', async () => {
    const exported = await cli(['key', 'export-public', '--out', path.join(root, 'investigator.pem'), '--json']);
    const bundleKey = (await readZip(path.join(root, 'bundle.zip'))).get('signature/public-key.pem')?.toString('utf8');

    expect(exported.code).toBe(0);
    expect(await fs.readFile(path.join(root, 'investigator.pem'), 'utf8')).toBe(bundleKey);
  });

  it('verify accepts the bundle with the exported key as trusted key', async () => {
    const result = await cli(['verify', path.join(root, 'bundle.zip'), '--trusted-key', path.join(root, 'investigator.pem'), '--json']);
    const reply = JSON.parse(result.stdout) as { valid: boolean; signerTrust: string; problems: unknown[] };

    expect(result.code).toBe(0);
    expect(reply.problems).toEqual([]);
    expect(reply.signerTrust).toBe('trusted-key');
  });

  it('export without a passphrase and without a terminal fails with KEY_INVALID', async () => {
    delete process.env.MAILCASE_KEY_PASSPHRASE;
    try {
      const error = await runCli(['export', '--case', testCase.store.dir, '--out', path.join(root, 'no-passphrase.zip')]).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(MailcaseError);
      expect((error as MailcaseError).code).toBe('KEY_INVALID');
    } finally {
      process.env.MAILCASE_KEY_PASSPHRASE = TEST_PASSPHRASE;
    }
  });
});
