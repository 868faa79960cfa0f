// Decides whether the key that signed a bundle is one the person verifying trusts. A valid signature alone
// proves only that the bundle is unchanged since someone signed it. Anyone can re-sign a forged bundle with
// their own key, so the signer must be compared with a key obtained separately.
import { createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { BundleVerifyReply } from '../../shared/contract.js';
import { fingerprintsMatch, normalizeFingerprint } from '../../shared/text.js';
import type { BundleVerification } from '../../shared/types.js';
import { createLogger } from '../logging/logger.js';
import { fingerprintOf, KEY_FILES } from './signing-key.js';

const log = createLogger('signer-trust');

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
    const matches = signerFingerprint !== null && fingerprintsMatch(signerFingerprint, expected);
    return { status: matches ? 'trusted-key' : 'not-trusted', expectedFingerprint: expected };
  }

  const ownFingerprint = await readOwnKeyFingerprint(options.configDir);
  if (ownFingerprint && signerFingerprint !== null && fingerprintsMatch(signerFingerprint, ownFingerprint)) {
    return { status: 'own-key', expectedFingerprint: ownFingerprint };
  }
  return { status: 'unchecked', expectedFingerprint: null };
}

/**
 * Reads the fingerprint of this installation's public signing key from <configDir>/keys/. Returns null when
 * no key exists yet or the file is unreadable; unlike loadOrCreateSigningKey it never creates a key.
 */
export async function readOwnKeyFingerprint(configDir: string): Promise<string | null> {
  const file = path.join(configDir, KEY_FILES.folder, KEY_FILES.publicKey);
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('own public key unreadable', { file, error: String(error) });
    return null;
  }

  try {
    return fingerprintOf(createPublicKey(pem));
  } catch (error) {
    log.warn('own public key is not a valid PEM key', { file, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

/** Adds signerTrusted and signerIsOwnKey to a verification; both stay null when the signer is unreadable. */
export function describeSigner(verification: BundleVerification, trustedFingerprint: string | undefined, ownFingerprint: string | null): BundleVerifyReply {
  const signer = verification.signerFingerprint;
  return {
    ...verification,
    signerTrusted: signer === null || trustedFingerprint === undefined ? null : fingerprintsMatch(signer, trustedFingerprint),
    signerIsOwnKey: signer === null || ownFingerprint === null ? null : fingerprintsMatch(signer, ownFingerprint),
  };
}
