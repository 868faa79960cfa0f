// Runs getmail6 (Debian package getmail6) once as the unprivileged user `nobody`, fetching a POP3S mailbox
// into a maildir, and times it from spawn to exit. Everything it needs lives in one temporary folder.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const GETMAIL_BINARY = '/usr/bin/getmail';

/** GNU time, whose `%M` is the peak RSS of getmail's Python process in KiB. */
const TIME_BINARY = '/usr/bin/time';

/**
 * Time without a new file in the maildir after which a getmail run counts as stalled and is stopped. getmail
 * 6.18.11 forks one child per maildir delivery and installs its SIGCHLD handler only after the fork, so when
 * the child exits first the parent waits for its `timeout` (180 s by default) and then gives up.
 */
const GETMAIL_STALL_MS = 20_000;

/** How often the maildir is counted while getmail runs. */
const STALL_CHECK_INTERVAL_MS = 1_000;

/** The unprivileged user that runs getmail. Debian's `nobody` is 65534:65534. */
const GETMAIL_USER = 'nobody';

export interface GetmailTask {
  host: string;
  port: number;
  user: string;
  password: string;
  /** PEM of the test server's certificate, given to getmail as `ca_certs`. */
  caPem: string;
  /** SHA-256 of each original message, to count the maildir files that match one. */
  expectedSha256s: string[];
  deadlineMs: number;
}

export type GetmailRun =
  | { ok: true; wallMs: number; messageCount: number; identical: number; peakRssBytes: number | null }
  | { ok: false; error: string };

/** Tells whether getmail6 and GNU time are installed. */
export async function canRunGetmail(): Promise<boolean> {
  const found = await Promise.all([GETMAIL_BINARY, TIME_BINARY].map((file) => fs.access(file).then(() => true, () => false)));
  return found.every(Boolean);
}

/** Returns getmail's version line, or 'unknown'. */
export async function getmailVersion(): Promise<string> {
  return execFileAsync(GETMAIL_BINARY, ['--version']).then(({ stdout }) => stdout.trim(), () => 'unknown');
}

/**
 * Runs getmail once with a fresh maildir, getmail folder and HOME, all owned by `nobody`, then counts the
 * delivered files and how many are identical to an original. Removes the folder afterwards.
 *
 * The password goes into the rc file (mode 0600, owned by `nobody`) because getmail reads it from there. It
 * is the benchmark's own Dovecot test password, and the file is removed with the folder.
 */
export async function runGetmail(task: GetmailTask): Promise<GetmailRun> {
  const { uid, gid } = await lookupUser(GETMAIL_USER);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bench-getmail-'));
  try {
    const paths = {
      home: path.join(root, 'home'),
      getmailDir: path.join(root, 'getmail'),
      maildir: path.join(root, 'Maildir'),
      ca: path.join(root, 'ca.pem'),
      timeOutput: path.join(root, 'time.txt'),
    };
    for (const folder of [paths.home, paths.getmailDir, paths.maildir, ...['cur', 'new', 'tmp'].map((name) => path.join(paths.maildir, name))]) {
      await fs.mkdir(folder, { mode: 0o700 });
    }
    await fs.writeFile(paths.ca, task.caPem, { mode: 0o644 });
    await fs.writeFile(path.join(paths.getmailDir, 'getmailrc'), buildRcFile(task, paths), { mode: 0o600 });
    await chownTree(root, uid, gid);

    const delivered = path.join(paths.maildir, 'new');
    const started = performance.now();
    const exit = await runAs(uid, gid, paths, task.deadlineMs, delivered);
    const wallMs = performance.now() - started;
    if (exit.error) return { ok: false, error: exit.error };

    const { messageCount, identical } = await compareMaildir(delivered, task.expectedSha256s);
    if (messageCount !== task.expectedSha256s.length) {
      return { ok: false, error: `delivered ${messageCount} of ${task.expectedSha256s.length} messages in ${(wallMs / 1000).toFixed(1)} s` };
    }
    return { ok: true, wallMs, messageCount, identical, peakRssBytes: await readTimePeakRss(paths.timeOutput) };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/**
 * Writes getmail's rc file: SimplePOP3SSLRetriever with certificate verification against the test
 * certificate (`ca_certs`), delivery into a maildir, nothing deleted from the server, every message fetched.
 */
function buildRcFile(task: GetmailTask, paths: { maildir: string; ca: string }): string {
  return [
    '[retriever]',
    'type = SimplePOP3SSLRetriever',
    `server = ${task.host}`,
    `port = ${task.port}`,
    `username = ${task.user}`,
    `password = ${task.password}`,
    `ca_certs = ${paths.ca}`,
    '',
    '[destination]',
    'type = Maildir',
    `path = ${paths.maildir}/`,
    '',
    '[options]',
    'delete = false',
    'read_all = true',
    'verbose = 0',
    'message_log_syslog = false',
    '',
  ].join('\n');
}

/**
 * Runs getmail under GNU time as `uid`:`gid` and waits for it to exit. Kills it at `deadlineMs`, or when no
 * file has arrived in `delivered` for GETMAIL_STALL_MS.
 */
async function runAs(
  uid: number,
  gid: number,
  paths: { home: string; getmailDir: string; timeOutput: string },
  deadlineMs: number,
  delivered: string,
): Promise<{ error: string | null }> {
  const args = ['-f', '%M', '-o', paths.timeOutput, GETMAIL_BINARY, `--getmaildir=${paths.getmailDir}`, '--rcfile=getmailrc'];
  const child = spawn(TIME_BINARY, args, {
    uid,
    gid,
    cwd: paths.home,
    env: { HOME: paths.home, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a stop reaches getmail and its delivery child, not only GNU time.
    detached: true,
  });
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));

  let stopReason: string | null = null;
  const stop = (reason: string): void => {
    stopReason ??= reason;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has already exited.
      }
    }
  };
  const deadline = setTimeout(() => stop(`timed out after ${Math.round(deadlineMs / 1000)} s and was killed`), deadlineMs);

  let lastCount = -1;
  let lastChange = performance.now();
  const watcher = setInterval(() => {
    void fs.readdir(delivered).then(
      (names) => {
        if (names.length !== lastCount) {
          lastCount = names.length;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > GETMAIL_STALL_MS) {
          stop(`stalled after ${names.length} messages: no delivery for ${GETMAIL_STALL_MS / 1000} s, killed`);
        }
      },
      () => undefined,
    );
  }, STALL_CHECK_INTERVAL_MS);

  return new Promise((resolve) => {
    const settle = (error: string | null): void => {
      clearTimeout(deadline);
      clearInterval(watcher);
      resolve({ error });
    };
    child.once('error', (error) => settle(error.message));
    child.once('exit', (code, signal) => {
      const text = Buffer.concat(output).toString('utf8').trim();
      if (stopReason !== null) settle(stopReason);
      else settle(code === 0 ? null : `exited with ${signal ?? `code ${code}`}: ${text.slice(-500)}`);
    });
  });
}

/** Counts the files getmail delivered and how many have the SHA-256 of an original message. */
async function compareMaildir(folder: string, expectedSha256s: string[]): Promise<{ messageCount: number; identical: number }> {
  const expected = new Set(expectedSha256s);
  const names = await fs.readdir(folder);
  let identical = 0;
  for (const name of names) {
    const octets = await fs.readFile(path.join(folder, name));
    if (expected.has(createHash('sha256').update(octets).digest('hex'))) identical += 1;
  }
  return { messageCount: names.length, identical };
}

async function readTimePeakRss(file: string): Promise<number | null> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const kib = Number(text.trim().split('\n').pop());
  return Number.isFinite(kib) && kib > 0 ? kib * 1024 : null;
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all(['-u', '-g'].map((flag) => execFileAsync('id', [flag, name]).then(({ stdout }) => Number(stdout.trim()))));
  if (uid === undefined || gid === undefined || !Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`Could not look up the user ${name}`);
  return { uid, gid };
}

async function chownTree(folder: string, uid: number, gid: number): Promise<void> {
  await fs.chown(folder, uid, gid);
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await fs.chown(child, uid, gid);
  }
}
