// Reads the mailbox password from MAILCASE_PASSWORD or a terminal prompt that does not echo it, and
// offers that prompt to other secrets read on the command line.
import { MailcaseError } from '../../shared/errors.js';

export const PASSWORD_ENV = 'MAILCASE_PASSWORD';

/**
 * Returns the password from the environment, or prompts for it on the terminal with echo off.
 * Passwords are never accepted as arguments, because arguments show up in process lists and shell history.
 */
export async function readPassword(prompt: string): Promise<string> {
  const fromEnvironment = process.env[PASSWORD_ENV];
  if (fromEnvironment) return fromEnvironment;

  if (!process.stdin.isTTY) {
    throw new MailcaseError('INVALID_INPUT', 'No password: MAILCASE_PASSWORD is not set and standard input is not a terminal', {
      userMessage: `No password given. Set ${PASSWORD_ENV} or run the command in a terminal to be asked for it.`,
    });
  }
  return promptHidden(prompt, 'Password');
}

/** Reads one line from the terminal in raw mode without echoing it; `what` names the secret if Ctrl-C interrupts. */
export function promptHidden(prompt: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    let value = '';
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();

    const finish = (error: Error | null): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };

    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(null);
        if (char === '\u0003') return finish(new MailcaseError('INVALID_INPUT', `${what} prompt interrupted`));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
  });
}
