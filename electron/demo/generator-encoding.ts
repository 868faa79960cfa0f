// Charset and transfer encoders for the demo mailbox generator: the legacy charsets real mail still carries
// (ISO-8859-1, windows-1251, KOI8-R, ISO-2022-JP), quoted-printable, base64, RFC 2047 encoded-words and header
// folding. Own code because no installed package encodes to these charsets; decoding stays with mailparser.

/** Charsets the generator writes bodies and encoded-words in. */
export type GeneratorCharset = 'us-ascii' | 'utf-8' | 'iso-8859-1' | 'windows-1251' | 'koi8-r' | 'iso-2022-jp';

const CRLF = '\r\n';

/** Longest encoded line of quoted-printable and base64 bodies, as RFC 2045 section 6.7 and 6.8 require. */
const MAX_ENCODED_LINE = 76;

/** Cyrillic letters in KOI8-R order from 0xC0 to 0xFF (RFC 1489). */
const KOI8R_LETTERS = 'юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ';

/**
 * JIS X 0208 codes of the Japanese characters the demo text uses: each character followed by its two code
 * octets written as ASCII. Checked against TextDecoder('iso-2022-jp') in the generator's unit test.
 */
const JIS_X_0208_CODES =
  '佐:4藤F#健7r見8+積@Q書=qの$N件7o納G<期4|ご$4連O"絡Mmい$$つ$Dも$bお$*世@$話OCに$Kな$Jっ$Cて$Fり$jま$^す$9。!#' +
  'を$r添E:付IUた$?し$7で$G、!"確3N認G\'く$/だ$@さ$5改2~め$a不IT明L@点E@が$,ざ$6ら$i気5$軽7Z問Ld合9gわ$oせ$;' +
  'よ$hろ$m願4j株3t式<0会2q社<Rサ%5ク%/ラ%i精@:密L)営1D業6H部Itケ%1ー!<様MM品IJ出=P荷2Y予M=定Dj';

let jisCodes: Map<string, string> | undefined;

function jisCodeOf(character: string): string {
  if (jisCodes === undefined) {
    jisCodes = new Map();
    const entries = [...JIS_X_0208_CODES];
    for (let i = 0; i + 2 < entries.length + 1; i += 3) {
      jisCodes.set(entries[i] ?? '', (entries[i + 1] ?? '') + (entries[i + 2] ?? ''));
    }
  }
  const code = jisCodes.get(character);
  if (code === undefined) {
    throw new Error(`No JIS X 0208 code for ${JSON.stringify(character)}; add it to JIS_X_0208_CODES`);
  }
  return code;
}

function encodeSingleByte(text: string, charset: GeneratorCharset, high: (character: string) => number | undefined): Buffer {
  const octets: number[] = [];
  for (const character of text) {
    const code = character.charCodeAt(0);
    const octet = code < 0x80 ? code : high(character);
    if (octet === undefined) {
      throw new Error(`${JSON.stringify(character)} has no ${charset} octet`);
    }
    octets.push(octet);
  }
  return Buffer.from(octets);
}

function windows1251Octet(character: string): number | undefined {
  const code = character.charCodeAt(0);
  if (code >= 0x410 && code <= 0x44f) {
    return code - 0x410 + 0xc0;
  }
  if (character === 'Ё') {
    return 0xa8;
  }
  if (character === 'ё') {
    return 0xb8;
  }
  return undefined;
}

function koi8rOctet(character: string): number | undefined {
  const position = KOI8R_LETTERS.indexOf(character);
  if (position >= 0) {
    return 0xc0 + position;
  }
  if (character === 'ё') {
    return 0xa3;
  }
  if (character === 'Ё') {
    return 0xb3;
  }
  return undefined;
}

function encodeIso2022Jp(text: string): Buffer {
  let encoded = '';
  let isJis = false;
  for (const character of text) {
    if (character.charCodeAt(0) < 0x80) {
      if (isJis) {
        encoded += '\x1b(B';
        isJis = false;
      }
      encoded += character;
      continue;
    }
    if (!isJis) {
      encoded += '\x1b$B';
      isJis = true;
    }
    encoded += jisCodeOf(character);
  }
  // RFC 1468 requires every line, and so the text, to end in ASCII mode.
  if (isJis) {
    encoded += '\x1b(B';
  }
  return Buffer.from(encoded, 'latin1');
}

/** Encodes text in a charset; throws on a character the charset cannot carry, which is a generator bug. */
export function encodeCharset(text: string, charset: GeneratorCharset): Buffer {
  switch (charset) {
    case 'us-ascii':
      return encodeSingleByte(text, charset, () => undefined);
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'iso-8859-1':
      return encodeSingleByte(text, charset, (character) => (character.charCodeAt(0) <= 0xff ? character.charCodeAt(0) : undefined));
    case 'windows-1251':
      return encodeSingleByte(text, charset, windows1251Octet);
    case 'koi8-r':
      return encodeSingleByte(text, charset, koi8rOctet);
    case 'iso-2022-jp':
      return encodeIso2022Jp(text);
  }
}

/**
 * Marker that a body line may contain to force a quoted-printable soft line break at that point. It lets the
 * generator plant a phrase split across a soft break; the marker itself never reaches the output.
 */
export const FORCED_SOFT_BREAK = '\u0000';

function quotedPrintableToken(octet: number, isLineEnd: boolean): string {
  const isSafe = (octet >= 33 && octet <= 126 && octet !== 61) || ((octet === 32 || octet === 9) && !isLineEnd);
  return isSafe ? String.fromCharCode(octet) : `=${octet.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * Encodes body text as quoted-printable (RFC 2045 section 6.7): lines end in CRLF, encoded lines stay within
 * 76 characters through soft breaks, and trailing whitespace is encoded. FORCED_SOFT_BREAK adds a soft break.
 */
export function encodeQuotedPrintable(text: string, charset: GeneratorCharset): string {
  const lines = text.split(/\r?\n/);
  const output: string[] = [];

  for (const line of lines) {
    const segments = line.split(FORCED_SOFT_BREAK);
    let current = '';
    segments.forEach((segment, segmentIndex) => {
      const octets = encodeCharset(segment, charset);
      const isLastSegment = segmentIndex === segments.length - 1;
      octets.forEach((octet, octetIndex) => {
        const token = quotedPrintableToken(octet, isLastSegment && octetIndex === octets.length - 1);
        // One column stays free for the "=" of a soft break.
        if (current.length + token.length > MAX_ENCODED_LINE - 1) {
          output.push(`${current}=`);
          current = '';
        }
        current += token;
      });
      if (!isLastSegment) {
        output.push(`${current}=`);
        current = '';
      }
    });
    output.push(current);
  }
  return output.join(CRLF);
}

/** Encodes octets as base64 in lines of 76 characters joined by CRLF (RFC 2045 section 6.8). */
export function encodeBase64Lines(octets: Buffer): string {
  const encoded = octets.toString('base64');
  const lines: string[] = [];
  for (let start = 0; start < encoded.length; start += MAX_ENCODED_LINE) {
    lines.push(encoded.slice(start, start + MAX_ENCODED_LINE));
  }
  return lines.join(CRLF);
}

/** Maximum characters per encoded-word, which keeps each word under the 75 characters of RFC 2047 section 2. */
const ENCODED_WORD_CHARACTERS = 12;

/**
 * Encodes header text as RFC 2047 "B" encoded-words when it is not plain ASCII, split into words of whole
 * characters and joined by spaces (RFC 2047 section 6.2 has a decoder drop that whitespace between adjacent words).
 */
export function encodeHeaderText(text: string, charset: GeneratorCharset): string {
  if (/^[\x20-\x7e]*$/.test(text)) {
    return text;
  }
  const characters = [...text];
  const words: string[] = [];
  for (let start = 0; start < characters.length; start += ENCODED_WORD_CHARACTERS) {
    const chunk = characters.slice(start, start + ENCODED_WORD_CHARACTERS).join('');
    words.push(`=?${charset.toUpperCase()}?B?${encodeCharset(chunk, charset).toString('base64')}?=`);
  }
  return words.join(' ');
}

/** Maximum header line length before folding, the limit RFC 5322 section 2.1.1 recommends. */
const FOLD_AT = 78;

/** Writes a header field, folded at spaces so no line passes 78 characters where a space allows it. */
export function formatHeader(name: string, value: string): string {
  const words = value.split(' ');
  const lines: string[] = [];
  let current = `${name}:`;
  for (const word of words) {
    if (current.length + 1 + word.length > FOLD_AT && current.trim().length > name.length + 1) {
      lines.push(current);
      current = ` ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  lines.push(current);
  return lines.join(CRLF);
}
