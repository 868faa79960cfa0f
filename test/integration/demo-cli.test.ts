// Runs the compiled `mailcase demo-server --json`: one JSON line once it listens, a working POP3S mailbox
// behind it, and a clean exit on SIGINT and SIGTERM. Needs `npm run build` first.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testConnection } from '../../electron/acquisition/test-connection.js';
import { setLogSink } from '../../electron/logging/logger.js';

setLogSink(() => undefined);

const CLI = path.resolve('bin/mailcase.js');
const MESSAGES = 12;

interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  firstLine: string;
  /** Resolves with the exit code and everything written to standard output. */
  exited: Promise<{ code: number | null; stdout: string }>;
}

/** Starts the CLI and resolves once it has printed its first line. */
function startCli(args: string[], configDir: string): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, MAILCASE_CONFIG_DIR: configDir } });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; stdout: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout })));

  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString('utf8');
      const end = stdout.indexOf('\n');
      if (end !== -1 && before.indexOf('\n') === -1) resolve({ child, firstLine: stdout.slice(0, end), exited });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    void exited.then(({ code }) => reject(new Error(`mailcase exited with ${code} before printing a line: ${stderr}`)));
  });
}

describe('mailcase demo-server', () => {
  let configDir: string;

  beforeAll(async () => {
    configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-demo-cli-'));
  });

  afterAll(async () => {
    await fs.rm(configDir, { recursive: true, force: true });
  });

  it('prints one JSON line and stops on SIGINT', async () => {
    const cli = await startCli(['demo-server', '--json', '--messages', String(MESSAGES), '--seed', '7'], configDir);
    const settings = JSON.parse(cli.firstLine) as Record<string, unknown>;
    expect(Object.keys(settings)).toEqual(['host', 'port', 'security', 'user', 'password', 'fingerprint']);
    expect(settings.host).toBe('127.0.0.1');
    expect(settings.security).toBe('tls');
    expect(settings.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const result = await testConnection(
      { host: String(settings.host), port: Number(settings.port), security: 'tls', user: String(settings.user), trustFingerprint: String(settings.fingerprint) },
      String(settings.password),
    );
    expect(result.messageCount).toBe(MESSAGES);

    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exited;
    expect(code).toBe(0);
    expect(stdout).toBe(`${cli.firstLine}\n`);
  });

  it('stops on SIGTERM', async () => {
    const cli = await startCli(['demo-server', '--json', '--messages', '3'], configDir);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('rejects a message count of zero', async () => {
    const child = spawn(process.execPath, [CLI, 'demo-server', '--json', '--messages', '0'], { env: { ...process.env, MAILCASE_CONFIG_DIR: configDir } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe('mailcase: --messages must be a whole number from 1 to 100000, not 0.\n');
  });
});
