// Flags parts whose content is encrypted with S/MIME or OpenPGP, which no content filter can read.
import type { ContentFlag } from '../../shared/types.js';
import type { WalkedPart } from './mime-structure.js';

/** S/MIME content types (RFC 8551 section 3.2); "x-" forms are what older clients send. */
const PKCS7_MIME_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);

/** smime-type values of encrypted content; signed-data and certs-only are readable. */
const ENCRYPTED_SMIME_TYPES = new Set(['enveloped-data', 'authenveloped-data']);

const PGP_ARMOR = '-----BEGIN PGP MESSAGE-----';

/** Octets of an attachment searched for the PGP armour line, which encrypting tools write at the start. */
const PGP_ARMOR_SEARCH_OCTETS = 64 * 1024;

/**
 * Returns the flag of an encrypted part: S/MIME enveloped data (application/pkcs7-mime), an RFC 3156
 * multipart/encrypted container, or an ASCII-armoured PGP message in a body or a text attachment.
 * NOTE: an application/pkcs7-mime part without smime-type is flagged only when its name ends in ".p7m", because
 * signed-only data uses the same type.
 */
export function encryptionFlag(part: WalkedPart, content: Buffer | null): ContentFlag | null {
  const { info } = part;
  const location = info.path;

  if (PKCS7_MIME_TYPES.has(info.contentType)) {
    const isEncrypted =
      part.smimeType === null ? (info.filename ?? '').toLowerCase().endsWith('.p7m') : ENCRYPTED_SMIME_TYPES.has(part.smimeType);
    if (isEncrypted) {
      return { kind: 'smime-encrypted', location, detail: 'The part is S/MIME encrypted (application/pkcs7-mime enveloped data), so its content cannot be read.' };
    }
    return null;
  }

  if (info.contentType === 'multipart/encrypted') {
    if (part.protocol !== null && PKCS7_MIME_TYPES.has(part.protocol)) {
      return { kind: 'smime-encrypted', location, detail: 'The part is an S/MIME encrypted multipart, so its content cannot be read.' };
    }
    return { kind: 'pgp-encrypted', location, detail: 'The part is an OpenPGP encrypted multipart (multipart/encrypted), so its content cannot be read.' };
  }

  if (info.contentType === 'application/pgp-encrypted' && part.parentPath === null) {
    return { kind: 'pgp-encrypted', location, detail: 'The message is OpenPGP encrypted (application/pgp-encrypted), so its content cannot be read.' };
  }

  const text = part.text ?? (info.contentType.startsWith('text/') || info.contentType === 'application/octet-stream' ? content?.subarray(0, PGP_ARMOR_SEARCH_OCTETS).toString('latin1') : undefined);
  if (text?.includes(PGP_ARMOR)) {
    return { kind: 'pgp-encrypted', location, detail: 'The part contains an ASCII-armoured OpenPGP message, so its content cannot be read.' };
  }
  return null;
}
