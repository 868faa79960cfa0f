// Decompresses the compressed RTF body Outlook stores in TNEF (PR_RTF_COMPRESSED), following Microsoft's
// [MS-OXRTFCP] "Rich Text Format (RTF) Compression Algorithm".

/**
 * Largest RTF body produced by decompression, in octets. Each 2-octet back-reference expands to at most 17 octets,
 * so a hostile stream can multiply its size; real message bodies stay far below this.
 */
export const MAX_DECOMPRESSED_RTF_OCTETS = 32 * 1024 * 1024;

const COMPRESSED = 0x75465a4c; // "LZFu"
const UNCOMPRESSED = 0x414c454d; // "MELA"
const HEADER_OCTETS = 16;
const DICTIONARY_OCTETS = 4096;

/** Initial dictionary contents ([MS-OXRTFCP] section 2.1.2.1), 207 octets. */
const PREBUFFER =
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans ' +
  'SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx';

/**
 * Decompresses PR_RTF_COMPRESSED data into RTF octets. Returns null when the header names neither the compressed
 * nor the uncompressed form; output stops at the end of the stream, at the input's end or at
 * MAX_DECOMPRESSED_RTF_OCTETS. The CRC is not checked, because a wrong one does not make the text unreadable.
 */
export function decompressRtf(data: Buffer): Buffer | null {
  if (data.length < HEADER_OCTETS) return null;

  const rawSize = data.readUInt32LE(4);
  const type = data.readUInt32LE(8);
  if (type === UNCOMPRESSED) return data.subarray(HEADER_OCTETS, HEADER_OCTETS + Math.min(rawSize, MAX_DECOMPRESSED_RTF_OCTETS));
  if (type !== COMPRESSED) return null;

  const dictionary = Buffer.alloc(DICTIONARY_OCTETS);
  dictionary.write(PREBUFFER, 'latin1');
  let writePosition = PREBUFFER.length;
  const limit = Math.min(rawSize, MAX_DECOMPRESSED_RTF_OCTETS);
  const output = Buffer.alloc(limit);
  let outputLength = 0;
  let offset = HEADER_OCTETS;

  const emit = (octet: number): boolean => {
    if (outputLength >= limit) return false;
    output[outputLength] = octet;
    outputLength += 1;
    dictionary[writePosition] = octet;
    writePosition = (writePosition + 1) % DICTIONARY_OCTETS;
    return true;
  };

  while (offset < data.length) {
    const control = data.readUInt8(offset);
    offset += 1;

    for (let bit = 0; bit < 8 && offset < data.length; bit += 1) {
      if ((control & (1 << bit)) === 0) {
        if (!emit(data.readUInt8(offset))) return output.subarray(0, outputLength);
        offset += 1;
        continue;
      }

      if (offset + 2 > data.length) return output.subarray(0, outputLength);
      const reference = data.readUInt16BE(offset);
      offset += 2;
      const readPosition = reference >> 4;
      const length = (reference & 0x0f) + 2;
      // A reference to the current write position marks the end of the compressed stream.
      if (readPosition === writePosition) return output.subarray(0, outputLength);

      for (let index = 0; index < length; index += 1) {
        const octet = dictionary[(readPosition + index) % DICTIONARY_OCTETS] ?? 0;
        if (!emit(octet)) return output.subarray(0, outputLength);
      }
    }
  }
  return output.subarray(0, outputLength);
}
