// Decodes the octets of a text part to a string, choosing the charset to use when the declared one is missing,
// unknown or wrong, and reporting which charset was used.
import { isUtf8 } from 'node:buffer';

import iconv from 'iconv-lite';
import libmime from 'libmime';

export interface DecodedText {
  text: string;
  /** Canonical lower-case name of the charset the text was decoded with. */
  charsetUsed: string;
}

/** Labels that promise UTF-8 or its ASCII subset. RFC 2045 section 5.2 makes us-ascii the default. */
const UTF8_LABELS = new Set(['', 'us-ascii', 'ascii', 'utf-8', 'utf8', '7bit', '8bit', 'unicode-1-1-utf-8', 'ansi_x3.4-1968']);

/**
 * Labels decoded with a wider superset, because senders write characters of the superset under the narrower
 * label: GB2312 mail routinely carries GBK characters, EUC-KR mail carries CP949 (UHC) syllables, and
 * Shift_JIS mail carries the Windows (CP932) extensions.
 */
const SUPERSETS = new Map<string, string>([
  ['gb2312', 'gb18030'],
  ['gbk', 'gb18030'],
  ['x-gbk', 'gb18030'],
  ['cp936', 'gb18030'],
  ['euc-cn', 'gb18030'],
  ['euc-kr', 'cp949'],
  ['ks_c_5601-1987', 'cp949'],
  ['ks_c_5601', 'cp949'],
  ['ksc5601', 'cp949'],
  ['shift_jis', 'cp932'],
  ['shift-jis', 'cp932'],
  ['sjis', 'cp932'],
  ['x-sjis', 'cp932'],
]);

/** Japanese charsets iconv-lite lacks; libmime decodes them with encoding-japanese. */
const JAPANESE_STATEFUL = /^(?:iso-?2022-?jp|jis|csiso2022jp)/;

/**
 * Charsets that are never decoded even when declared. UTF-7 turns "+ADw-script+AD4-" into "<script>" and so
 * hides markup from filters; base64 and hex are transfer encodings that iconv-lite also lists as codecs.
 */
const REFUSED = /^(?:utf-?7(?:-imap)?|unicode-1-1-utf-7|csunicode11utf7|base64|hex|binary)$/;

/**
 * Decodes text octets under the declared charset, with fallbacks for mislabelled text:
 * - no charset, us-ascii or utf-8 declared: UTF-8 when the octets are valid UTF-8 or mostly so, else windows-1252;
 * - a legacy charset declared but the octets are valid UTF-8 with non-ASCII characters: UTF-8;
 * - iso-8859-1 declared with octets 0x80-0x9F (C1 controls nobody writes): windows-1252;
 * - an unknown or refused charset: as if none were declared.
 */
export function decodeText(octets: Buffer, declaredCharset: string | null): DecodedText {
  const label = normalizeLabel(declaredCharset);
  const hasHighOctets = octets.some((octet) => octet >= 0x80);

  const charset = UTF8_LABELS.has(label) || REFUSED.test(label) ? null : resolveCharset(label);
  if (charset === null) return decodeUnlabelled(octets, hasHighOctets, label === 'utf-8' || label === 'utf8' ? 'utf-8' : 'us-ascii');

  const isUtf16or32 = /^utf-?(?:16|32)/.test(charset);
  if (hasHighOctets && !isUtf16or32 && isUtf8(octets)) {
    return { text: decodeUtf8(octets), charsetUsed: 'utf-8' };
  }

  if (charset === 'iso-8859-1' && octets.some((octet) => octet >= 0x80 && octet <= 0x9f)) {
    return { text: iconv.decode(octets, 'windows-1252'), charsetUsed: 'windows-1252' };
  }

  if (JAPANESE_STATEFUL.test(charset)) return { text: decodeJapanese(octets, charset), charsetUsed: charset };
  return { text: iconv.decode(octets, charset), charsetUsed: charset };
}

/** Lower-cases a charset label and strips quotes and surrounding space; null becomes ''. */
export function normalizeLabel(charset: string | null): string {
  return (charset ?? '').trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
}

/**
 * Returns the canonical name to decode a label with, resolving aliases such as win-1257 or latin1 through libmime.
 * Returns null when neither iconv-lite nor libmime supports the label.
 */
function resolveCharset(label: string): string | null {
  const superset = SUPERSETS.get(label);
  if (superset !== undefined) return superset;

  const alias = libmime.normalizeCharset(label).toLowerCase();
  if (!REFUSED.test(alias) && !UTF8_LABELS.has(alias) && (JAPANESE_STATEFUL.test(alias) || iconv.encodingExists(alias))) {
    return SUPERSETS.get(alias) ?? alias;
  }
  if (JAPANESE_STATEFUL.test(label) || iconv.encodingExists(label)) return label;
  return null;
}

/**
 * Decodes text whose label promises UTF-8 or gives nothing usable. Text with more valid non-ASCII UTF-8 characters
 * than broken sequences stays UTF-8, with U+FFFD in place of the broken octets. Other text with high octets is taken
 * as windows-1252, the usual charset of unlabelled Western mail. ASCII-only text is reported as `asciiName`.
 */
function decodeUnlabelled(octets: Buffer, hasHighOctets: boolean, asciiName: string): DecodedText {
  if (!hasHighOctets) return { text: decodeUtf8(octets), charsetUsed: asciiName };
  if (isUtf8(octets)) return { text: decodeUtf8(octets), charsetUsed: 'utf-8' };

  const lossy = decodeUtf8(octets);
  let replaced = 0;
  let decoded = 0;
  for (const character of lossy) {
    if (character === '\uFFFD') replaced += 1;
    else if (character.charCodeAt(0) >= 0x80) decoded += 1;
  }
  if (decoded > replaced) return { text: lossy, charsetUsed: 'utf-8' };
  return { text: iconv.decode(octets, 'windows-1252'), charsetUsed: 'windows-1252' };
}

/**
 * Decodes ISO-2022-JP and related charsets through libmime's encoded-word decoder, the one public synchronous
 * entry to its encoding-japanese based decoder.
 */
function decodeJapanese(octets: Buffer, charset: string): string {
  return libmime.decodeWord(charset, 'B', octets.toString('base64'));
}

function decodeUtf8(octets: Buffer): string {
  return new TextDecoder('utf-8').decode(octets);
}
