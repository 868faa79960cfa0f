// Reads the signing key passphrase for the command line: from MAILCASE_KEY_PASSPHRASE, or from the terminal
// with echo off. The desktop app passes the passphrase it keeps with Electron's safeStorage instead.
import { MailcaseError } from '../../shared/errors.js';
import { defaultConfigDir, readSigningKeyState } from '../bundle/signing-key.js';
import { promptHidden } from './password-prompt.js';

export const KEY_PASSPHRASE_ENV = 'MAILCASE_KEY_PASSPHRASE';

/**
 * Returns the passphrase from the environment, or prompts for it on the terminal. When no encrypted key
 * exists yet (a new key, or an unencrypted one about to be encrypted), the passphrase is requested twice
 * and both entries must match. Throws KEY_INVALID when neither source is available or the two entries differ.
 */
export async function readKeyPassphrase(configDir: string = defaultConfigDir()): Promise<string> {
  const fromEnvironment = process.env[KEY_PASSPHRASE_ENV];
  if (fromEnvironment) return fromEnvironment;

  if (!process.stdin.isTTY) {
    throw new MailcaseError('KEY_INVALID', `No signing key passphrase: ${KEY_PASSPHRASE_ENV} is not set and standard input is not a terminal`, {
      userMessage: `No passphrase for the signing key. Set ${KEY_PASSPHRASE_ENV} or run the command in a terminal to be asked for it.`,
      details: { reason: 'passphrase-required' },
    });
  }

  const state = await readSigningKeyState(configDir);
  if (state === 'encrypted') return promptHidden('Signing key passphrase: ', 'Passphrase');

  const first = await promptHidden('New passphrase for the signing key: ', 'Passphrase');
  const second = await promptHidden('Repeat the passphrase: ', 'Passphrase');
  if (first !== second) {
    throw new MailcaseError('KEY_INVALID', 'The two passphrases differ', {
      userMessage: 'The two passphrases differ. Run the command again and type the same passphrase twice.',
      details: { reason: 'passphrase-mismatch' },
    });
  }
  return first;
}
