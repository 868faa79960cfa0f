// Decides whether the key that signed a bundle is one the person verifying trusts. A valid signature alone
// proves only that the bundle is unchanged since someone signed it; anyone can re-sign a forged bundle with
// their own key, so the signer must be compared with a key obtained separately.
import { createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { normalizeFingerprint } from '../../shared/text.js';
import { fingerprintOf, KEY_FILES } from './signing-key.js';

export type SignerTrustStatus = 'trusted-key' | 'own-key' | 'not-trusted' | 'unchecked';

export interface SignerTrust {
  status: SignerTrustStatus;
  /** Fingerprint the signer was compared with, or null when there was nothing to compare with. */
  expectedFingerprint: string | null;
}

/**
 * Compares the signer's fingerprint with the trusted fingerprint when one is given, otherwise with the
 * investigator's own public key in `configDir` when it exists. Returns 'unchecked' when neither exists.
 */
export async function assessSignerTrust(
  signerFingerprint: string | null,
  options: { trustedFingerprint?: string | undefined; configDir: string },
): Promise<SignerTrust> {
  if (options.trustedFingerprint) {
    const expected = normalizeFingerprint(options.trustedFingerprint);
    const matches = signerFingerprint !== null && normalizeFingerprint(signerFingerprint) === expected;
    return { status: matches ? 'trusted-key' : 'not-trusted', expectedFingerprint: expected };
  }

  const ownFingerprint = await readOwnFingerprint(options.configDir);
  if (ownFingerprint && signerFingerprint !== null && normalizeFingerprint(signerFingerprint) === ownFingerprint) {
    return { status: 'own-key', expectedFingerprint: ownFingerprint };
  }
  return { status: 'unchecked', expectedFingerprint: null };
}

async function readOwnFingerprint(configDir: string): Promise<string | null> {
  const publicPath = path.join(configDir, KEY_FILES.folder, KEY_FILES.publicKey);
  const pem = await fs.readFile(publicPath, 'utf8').catch(() => null);
  if (pem === null) return null;
  try {
    return fingerprintOf(createPublicKey(pem));
  } catch {
    return null;
  }
}
