// Compares a verified bundle's signer key with the key the investigator says to trust and with this
// installation's own signing key, so the UI can say who signed the bundle.
import { createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { BundleVerifyReply } from '../../shared/contract.js';
import type { BundleVerification } from '../../shared/types.js';
import { fingerprintOf, KEY_FILES } from '../bundle/signing-key.js';
import { createLogger } from '../logging/logger.js';

const log = createLogger('signer-check');

/** Brings a SHA-256 fingerprint to lower-case hex without colons or spaces, the form bundles report. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toLowerCase();
}

/** Tells whether two fingerprints name the same key, ignoring case, colons and spaces. */
export function fingerprintsMatch(a: string, b: string): boolean {
  return normalizeFingerprint(a) === normalizeFingerprint(b);
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
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('Own public key unreadable', { file, error: String(error) });
    return null;
  }

  try {
    return fingerprintOf(createPublicKey(pem));
  } catch (error) {
    log.warn('Own public key is not a valid PEM key', { file, error: error instanceof Error ? error.message : String(error) });
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
