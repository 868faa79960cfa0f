// Starts the demo POP3 server over the seeded mailbox generator, for `mailcase demo-server` and "Try the demo case".
import { MailcaseError } from '../../shared/errors.js';
import { startDemoServer, DEMO_ARRIVALS_PER_LOGIN, type DemoServer } from './demo-server.js';
import { createMailboxGenerator } from './generate-mailbox.js';

/** Number of messages in the demo mailbox at the first login, about the size of one suspect's mailbox over a few months. */
export const DEMO_DEFAULT_MESSAGES = 2000;

/** Seed of the demo mailbox; a fixed default makes every demo show the same mail and the same rule hits. */
export const DEMO_DEFAULT_SEED = 1;

/**
 * Messages that can arrive after the first login, DEMO_ARRIVALS_PER_LOGIN at each later login. The cap keeps
 * a long demo bounded; ten syncs show new mail arriving.
 */
export const DEMO_MAX_ARRIVALS = 10 * DEMO_ARRIVALS_PER_LOGIN;

/** Largest --messages accepted, so a typo cannot make the server generate millions of messages at start. */
export const DEMO_MAX_MESSAGES = 100_000;

export interface DemoLaunchOptions {
  /** Messages visible at the first login. Defaults to DEMO_DEFAULT_MESSAGES. */
  messages?: number;
  seed?: number;
  /** Implicit-TLS port; 0 or absent picks a free one. */
  port?: number;
  /** Passed to startDemoServer; false lets the process exit while the server listens. */
  keepProcessAlive?: boolean;
}

/**
 * Starts the demo server on 127.0.0.1 with `messages` generated messages at the first login and up to
 * DEMO_MAX_ARRIVALS more that arrive at later logins. Because generated message i depends only on the seed and i,
 * the first `messages` messages equal those of a generator made with count `messages`, and so does its ground truth.
 * Throws INVALID_INPUT for a bad count, seed or port.
 */
export async function launchDemoServer(options: DemoLaunchOptions = {}): Promise<DemoServer> {
  const messages = options.messages ?? DEMO_DEFAULT_MESSAGES;
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const port = options.port ?? 0;
  checkWhole('messages', messages, 1, DEMO_MAX_MESSAGES);
  checkWhole('seed', seed, 0, 0xffff_ffff);
  checkWhole('port', port, 0, 65535);

  const totalMessages = messages + DEMO_MAX_ARRIVALS;
  const generator = createMailboxGenerator({ seed, count: totalMessages, attachments: true });
  return startDemoServer({
    source: generator,
    totalMessages,
    initialMessages: messages,
    arrivalsPerLogin: DEMO_ARRIVALS_PER_LOGIN,
    port,
    keepProcessAlive: options.keepProcessAlive ?? true,
  });
}

function checkWhole(name: string, value: number, min: number, max: number): void {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return;
  throw new MailcaseError('INVALID_INPUT', `--${name} must be a whole number from ${min} to ${max}, not ${value}`, {
    userMessage: `--${name} must be a whole number from ${min} to ${max}, not ${String(value)}.`,
    details: { issues: [{ path: name, message: `Expected a whole number from ${min} to ${max}` }] },
  });
}
