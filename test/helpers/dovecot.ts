// Starts a real Dovecot 2.3 POP3 server on 127.0.0.1 for tests: temporary config, maildir, passwd-file and
// self-signed certificate, all inside one mkdtemp folder that stop() removes. Needs root (it drops to dovecot users).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Debian's dovecot-core binary. */
export const DOVECOT_BINARY = '/usr/sbin/dovecot';

/** Most connection attempts while waiting for Dovecot's listeners, 100 ms apart (about 20 s in all). */
const MAX_READY_ATTEMPTS = 200;

export interface DovecotOptions {
  /** Raw message files, stored in this order as POP3 messages 1..n. */
  messages: Buffer[];
  user?: string;
  password?: string;
  /**
   * Dovecot's auth_mechanisms, default ['plain']. With 'plain' or 'login', CAPA lists them on its SASL line;
   * 'apop' makes the greeting carry an APOP timestamp. Passwords are stored in plain text, which APOP needs.
   */
  mechanisms?: string[];
  /**
   * How Dovecot builds UIDLs: 'uid' (default, from the IMAP UID and UIDVALIDITY) or 'filename' (the maildir
   * file name, so a removed message that is added back gets its old UIDL again).
   */
  uidlFormat?: 'uid' | 'filename';
}

/** A running Dovecot instance. `plainPort` serves plain POP3 and STARTTLS; `pop3sPort` serves implicit TLS. */
export interface DovecotServer {
  host: '127.0.0.1';
  plainPort: number;
  pop3sPort: number;
  user: string;
  password: string;
  /** SHA-256 fingerprint of the server certificate, colon-separated upper-case hex. */
  certFingerprint: string;
  /** PEM of the self-signed server certificate (CN=localhost, SAN IP:127.0.0.1 and DNS:localhost). */
  certPem: string;
  /** Dovecot's log file; POP3 logout lines contain `del=<deleted>/<count>`. */
  logPath: string;
  /** Reads the Dovecot log file. */
  readLog(): Promise<string>;
  /** Adds messages after the existing ones; returns their ids for `removeMessages` and `restoreMessages`. */
  addMessages(messages: Buffer[]): Promise<number[]>;
  /** Moves messages out of the maildir by id (0-based, in the order they were first stored or added). */
  removeMessages(ids: number[]): Promise<void>;
  /** Puts removed messages back under their old file names. */
  restoreMessages(ids: number[]): Promise<void>;
  /** Stops Dovecot, waits for it to exit and removes the temporary folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Tells whether this machine can run the harness: root, and the Dovecot binary present. */
export async function canRunDovecot(): Promise<boolean> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return fs.access(DOVECOT_BINARY).then(
    () => true,
    () => false,
  );
}

/**
 * Starts Dovecot with the given messages in one maildir, waits until both ports accept connections and
 * returns the running server. Rejects when Dovecot does not come up; its log is then in the error message.
 */
export async function startDovecot(options: DovecotOptions): Promise<DovecotServer> {
  const user = options.user ?? 'suspect';
  const password = options.password ?? 'correct horse battery staple';
  if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`startDovecot: user name ${JSON.stringify(user)} has characters a passwd-file cannot take`);
  if (/[:\n\r]/.test(password)) throw new Error('startDovecot: the password must not contain ":" or line breaks');

  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-dovecot-'));
  // Dovecot's login processes (dovenull) and mail processes (dovecot) must be able to enter the folder.
  await fs.chmod(root, 0o755);

  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();
  try {
    const ids = await lookupDovecotIds();
    const paths = {
      config: path.join(root, 'dovecot.conf'),
      passwd: path.join(root, 'passwd'),
      cert: path.join(root, 'cert.pem'),
      key: path.join(root, 'key.pem'),
      log: path.join(root, 'dovecot.log'),
      base: path.join(root, 'run'),
      state: path.join(root, 'state'),
      maildir: path.join(root, 'maildir'),
    };
    await fs.mkdir(paths.base, { mode: 0o755 });
    await fs.mkdir(paths.state, { mode: 0o755 });

    await createCertificate(paths.cert, paths.key);
    const certPem = await fs.readFile(paths.cert, 'utf8');
    const certFingerprint = new X509Certificate(certPem).fingerprint256;

    const maildir = new TestMaildir(paths.maildir, path.join(root, 'removed'), ids);
    await maildir.create();
    await maildir.add(options.messages);
    await fs.writeFile(paths.passwd, `${user}:{PLAIN}${password}:${ids.uid}:${ids.gid}::${paths.maildir}::\n`, { mode: 0o600 });
    // The auth worker reads the passwd-file as the dovecot user.
    await fs.chown(paths.passwd, ids.uid, ids.gid);

    const plainPort = await findFreePort();
    let pop3sPort = await findFreePort();
    while (pop3sPort === plainPort) pop3sPort = await findFreePort();
    const mechanisms = options.mechanisms ?? ['plain'];
    if (!mechanisms.every((name) => /^[a-z0-9-]+$/.test(name))) throw new Error(`startDovecot: invalid mechanisms ${JSON.stringify(mechanisms)}`);
    const uidlFormat = options.uidlFormat === 'filename' ? '%f' : '%08Xu%08Xv';
    await fs.writeFile(paths.config, buildConfig({ ...paths, plainPort, pop3sPort, uid: ids.uid, gid: ids.gid, mechanisms: mechanisms.join(' '), uidlFormat }));

    child = spawn(DOVECOT_BINARY, ['-F', '-c', paths.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const spawned = child;
    exited = new Promise((resolve) => spawned.once('exit', resolve));

    const ready = await waitForPorts([plainPort, pop3sPort], exited);
    if (!ready) {
      const log = await fs.readFile(paths.log, 'utf8').catch(() => '');
      throw new Error(`Dovecot did not start.\n${Buffer.concat(output).toString('utf8')}\n${log}`);
    }

    const running = child;
    let stopped = false;
    return {
      host: '127.0.0.1',
      plainPort,
      pop3sPort,
      user,
      password,
      certFingerprint,
      certPem,
      logPath: paths.log,
      readLog: () => fs.readFile(paths.log, 'utf8'),
      addMessages: (messages) => maildir.add(messages),
      removeMessages: (messageIds) => maildir.remove(messageIds),
      restoreMessages: (messageIds) => maildir.restore(messageIds),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopProcess(running, exited);
        await fs.rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (child) await stopProcess(child, exited);
    await fs.rm(root, { recursive: true, force: true });
    throw error;
  }
}

interface ConfigValues {
  passwd: string;
  cert: string;
  key: string;
  log: string;
  base: string;
  state: string;
  maildir: string;
  plainPort: number;
  pop3sPort: number;
  uid: number;
  gid: number;
  mechanisms: string;
  uidlFormat: string;
}

function buildConfig(values: ConfigValues): string {
  return `# Written by test/helpers/dovecot.ts for one test run.
protocols = pop3
listen = 127.0.0.1
base_dir = ${values.base}
state_dir = ${values.state}
instance_name = mailcase-test-${values.plainPort}
log_path = ${values.log}
info_log_path = ${values.log}
debug_log_path = ${values.log}
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = ${values.uid}
last_valid_uid = ${values.uid}
first_valid_gid = ${values.gid}
last_valid_gid = ${values.gid}
ssl = yes
ssl_cert = <${values.cert}
ssl_key = <${values.key}
disable_plaintext_auth = no
auth_mechanisms = ${values.mechanisms}
auth_verbose = yes
mail_location = maildir:${values.maildir}
pop3_uidl_format = ${values.uidlFormat}
pop3_logout_format = top=%t/%p, retr=%r/%b, del=%d/%m, size=%s
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${values.passwd}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${values.passwd}
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${values.plainPort}
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = ${values.pop3sPort}
    ssl = yes
  }
}
`;
}

async function lookupDovecotIds(): Promise<{ uid: number; gid: number }> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('dovecot:'));
  const fields = line?.split(':') ?? [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('startDovecot: no "dovecot" user in /etc/passwd');
  return { uid, gid };
}

async function createCertificate(certPath: string, keyPath: string): Promise<void> {
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  await fs.chmod(keyPath, 0o600);
}

/**
 * The test mailbox. Each message goes into maildir cur/ as is. Dovecot assigns UIDs in the order of the time
 * stamp that leads each file name, so names start with increasing numbers and each file gets a matching mtime.
 * Removed files wait in a folder outside the maildir until they are restored.
 */
class TestMaildir {
  private readonly files: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly removedDir: string,
    private readonly ids: { uid: number; gid: number },
  ) {}

  async create(): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await fs.mkdir(path.join(this.dir, sub), { recursive: true });
    await fs.mkdir(this.removedDir, { recursive: true });
  }

  async add(messages: Buffer[]): Promise<number[]> {
    const firstTime = 1_600_000_000;
    const added: number[] = [];
    for (const message of messages) {
      const id = this.files.length;
      const time = firstTime + id;
      const name = `${time}.M${id + 1}P1.mailcase:2,S`;
      const file = path.join(this.dir, 'cur', name);
      await fs.writeFile(file, message);
      await fs.utimes(file, time, time);
      this.files.push(name);
      added.push(id);
    }
    await chownTree(this.dir, this.ids.uid, this.ids.gid);
    return added;
  }

  async remove(messageIds: number[]): Promise<void> {
    for (const id of messageIds) {
      const name = this.nameOf(id);
      await fs.rename(path.join(this.dir, 'cur', name), path.join(this.removedDir, name));
    }
  }

  async restore(messageIds: number[]): Promise<void> {
    for (const id of messageIds) {
      const name = this.nameOf(id);
      await fs.rename(path.join(this.removedDir, name), path.join(this.dir, 'cur', name));
    }
  }

  private nameOf(id: number): string {
    const name = this.files[id];
    if (name === undefined) throw new Error(`TestMaildir: no message with id ${id}`);
    return name;
  }
}

async function chownTree(target: string, uid: number, gid: number): Promise<void> {
  await fs.chown(target, uid, gid);
  const stat = await fs.stat(target);
  if (!stat.isDirectory()) return;
  for (const name of await fs.readdir(target)) await chownTree(path.join(target, name), uid, gid);
}

/** Asks the kernel for a free port on 127.0.0.1. Another process could take it before Dovecot binds it. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPorts(ports: number[], exited: Promise<unknown>): Promise<boolean> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  for (let attempt = 0; attempt < MAX_READY_ATTEMPTS && !hasExited; attempt += 1) {
    const open = await Promise.all(ports.map((port) => canConnect(port)));
    if (open.every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
