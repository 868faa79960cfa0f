// Exclusive lock files holding the owner's process id, so that several Mailcase processes (the app, the CLI)
// never write the same case file at once. Locks of processes that died are detected and removed.
import { promises as fs } from 'node:fs';
import os from 'node:os';

import { MailcaseError } from '../../shared/errors.js';

/** Age after which a lock file without a readable process id counts as abandoned, in milliseconds. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

export interface LockOptions {
  /** How long to wait for a live holder to release the lock, in milliseconds; 0 fails at once. */
  timeoutMs: number;
  /** Message shown to the investigator when the lock stays held. */
  heldMessage: string;
}

/**
 * Creates the lock file exclusively, waiting while another live process holds it, and returns its release
 * function. A lock left by a process that no longer runs on this machine is removed. Throws CASE_LOCKED when
 * the lock is still held after `timeoutMs`.
 */
export async function acquireLockFile(lockPath: string, options: LockOptions): Promise<() => Promise<void>> {
  const owner = `${process.pid} ${os.hostname()}\n`;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      await fs.writeFile(lockPath, owner, { flag: 'wx', mode: 0o644 });
      return () => fs.rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const state = await inspectLock(lockPath);
    if (state === 'stale') {
      await fs.rm(lockPath, { force: true });
      continue;
    }
    // A lock still being written, or one whose writer died before writing its id, settles within the grace period.
    if (state === 'live' && Date.now() >= deadline) {
      throw new MailcaseError('CASE_LOCKED', `Lock ${lockPath} is held by another process`, {
        userMessage: `${options.heldMessage} (lock file ${lockPath})`,
        details: { lockPath },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
}

/**
 * Classifies a lock file. It is 'live' when it names a running process on this machine, or any process on
 * another machine. It is 'stale' when it names a process that no longer runs, or still has no readable id
 * after the grace period. It is 'settling' when it is young and has no id yet, because its owner creates the
 * file first and writes the id after.
 */
async function inspectLock(lockPath: string): Promise<'live' | 'stale' | 'settling'> {
  const content = await fs.readFile(lockPath, 'utf8').catch(() => null);
  if (content === null) return 'settling';

  const [pidText, host] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) {
    const stat = await fs.stat(lockPath).catch(() => null);
    if (stat === null) return 'settling';
    return Date.now() - stat.mtimeMs > UNREADABLE_LOCK_GRACE_MS ? 'stale' : 'settling';
  }
  if (host !== os.hostname()) return 'live';
  try {
    process.kill(pid, 0);
    return 'live';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'stale' : 'live';
  }
}
