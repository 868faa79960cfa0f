// Recognises password protection in containers without decrypting anything: OLE2 compound files (encrypted
// Office documents), 7-Zip, RAR and PDF. Every reader here is bounded by the buffer and guards against loops.

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Sector numbers at or above this value are markers (free, end of chain, FAT, DIFAT), not sectors. */
const CFB_MAX_REGULAR_SECTOR = 0xfffffffa;

export interface CompoundFileEntry {
  name: string;
  /** 1 storage, 2 stream, 5 root storage. */
  type: number;
  startSector: number;
  size: number;
}

export interface CompoundFile {
  sectorSize: number;
  entries: CompoundFileEntry[];
  data: Buffer;
}

/** Tells whether the bytes start with the OLE2 compound file signature. */
export function isCompoundFile(data: Buffer): boolean {
  return data.length >= 512 && data.subarray(0, 8).equals(CFB_SIGNATURE);
}

/**
 * Reads the directory of an OLE2 compound file ([MS-CFB]): header, FAT built from the DIFAT, then the directory
 * sector chain. Returns null when the structure is unreadable. Chains are followed at most once per sector.
 */
export function readCompoundFile(data: Buffer): CompoundFile | null {
  if (!isCompoundFile(data)) return null;
  const sectorShift = data.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) return null;
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.floor((data.length - sectorSize) / sectorSize) + 1;
  const sectorOffset = (sector: number): number => (sector + 1) * sectorSize;
  const isReadable = (sector: number): boolean => sector < CFB_MAX_REGULAR_SECTOR && sectorOffset(sector) + sectorSize <= data.length;

  // The header contains the first 109 FAT sector numbers, and further ones sit in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i += 1) {
    const sector = data.readUInt32LE(0x4c + i * 4);
    if (sector >= CFB_MAX_REGULAR_SECTOR) break;
    fatSectors.push(sector);
  }
  let difatSector = data.readUInt32LE(0x44);
  const seenDifat = new Set<number>();
  while (isReadable(difatSector) && !seenDifat.has(difatSector) && seenDifat.size < sectorCount) {
    seenDifat.add(difatSector);
    const base = sectorOffset(difatSector);
    for (let i = 0; i < sectorSize / 4 - 1; i += 1) {
      const sector = data.readUInt32LE(base + i * 4);
      if (sector < CFB_MAX_REGULAR_SECTOR) fatSectors.push(sector);
    }
    difatSector = data.readUInt32LE(base + sectorSize - 4);
  }

  const fat: number[] = [];
  for (const sector of fatSectors.slice(0, sectorCount)) {
    if (!isReadable(sector)) return null;
    const base = sectorOffset(sector);
    for (let i = 0; i < sectorSize / 4; i += 1) fat.push(data.readUInt32LE(base + i * 4));
  }

  const entries: CompoundFileEntry[] = [];
  const seen = new Set<number>();
  let sector = data.readUInt32LE(0x30);
  while (isReadable(sector) && !seen.has(sector)) {
    seen.add(sector);
    const base = sectorOffset(sector);
    for (let offset = base; offset + 128 <= base + sectorSize; offset += 128) {
      const type = data.readUInt8(offset + 66);
      if (type === 0) continue;
      const nameLength = Math.min(data.readUInt16LE(offset + 64), 64);
      const name = data.subarray(offset, offset + Math.max(nameLength - 2, 0)).toString('utf16le');
      entries.push({ name, type, startSector: data.readUInt32LE(offset + 116), size: data.readUInt32LE(offset + 120) });
    }
    sector = fat[sector] ?? 0xfffffffe;
  }

  return entries.length > 0 ? { sectorSize, entries, data } : null;
}

/** Returns the first sector of a stream held in regular sectors (4096 octets or more), or null. */
function firstStreamSector(file: CompoundFile, entry: CompoundFileEntry): Buffer | null {
  // Streams under 4096 octets live in the mini stream; the checks below only need large ones.
  if (entry.size < 4096 || entry.startSector >= CFB_MAX_REGULAR_SECTOR) return null;
  const offset = (entry.startSector + 1) * file.sectorSize;
  if (offset + file.sectorSize > file.data.length) return null;
  return file.data.subarray(offset, offset + file.sectorSize);
}

export type OfficeEncryption = { kind: 'ooxml' } | { kind: 'word' } | { kind: 'excel' } | null;

/**
 * Detects a password-protected Office file inside a compound file: OOXML encryption (EncryptionInfo and
 * EncryptedPackage streams, [MS-OFFCRYPTO] 2.3.4), a Word 97-2003 FIB with fEncrypted set ([MS-DOC] 2.5.2),
 * or an Excel 97-2003 workbook whose first records include FILEPASS ([MS-XLS] 2.4.117).
 */
export function detectOfficeEncryption(file: CompoundFile): OfficeEncryption {
  const names = new Set(file.entries.map((entry) => entry.name));
  if (names.has('EncryptionInfo') && names.has('EncryptedPackage')) return { kind: 'ooxml' };

  const word = file.entries.find((entry) => entry.name === 'WordDocument');
  const wordSector = word ? firstStreamSector(file, word) : null;
  // FIB base: wIdent 0xA5EC at offset 0, flags at offset 0x0A with fEncrypted as bit 8.
  if (wordSector && wordSector.readUInt16LE(0) === 0xa5ec && (wordSector.readUInt16LE(0x0a) & 0x0100) !== 0) return { kind: 'word' };

  const workbook = file.entries.find((entry) => entry.name === 'Workbook' || entry.name === 'Book');
  const workbookSector = workbook ? firstStreamSector(file, workbook) : null;
  if (workbookSector) {
    // BIFF records: 2-octet type, 2-octet length. FILEPASS (0x002F) follows BOF early in the globals substream.
    let offset = 0;
    for (let record = 0; record < 32 && offset + 4 <= workbookSector.length; record += 1) {
      const type = workbookSector.readUInt16LE(offset);
      if (type === 0x002f) return { kind: 'excel' };
      offset += 4 + workbookSector.readUInt16LE(offset + 2);
    }
  }
  return null;
}

/** Names the Office application a compound file belongs to, from its streams, as a file extension, or null. */
export function compoundFileKind(file: CompoundFile): string | null {
  const names = file.entries.map((entry) => entry.name);
  if (names.includes('EncryptedPackage')) return null;
  if (names.includes('WordDocument')) return 'doc';
  if (names.includes('Workbook') || names.includes('Book')) return 'xls';
  if (names.includes('PowerPoint Document')) return 'ppt';
  if (names.some((name) => name.startsWith('__substg1.0_'))) return 'msg';
  return null;
}

const SEVEN_ZIP_SIGNATURE = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
/** 7-Zip AES-256 + SHA-256 coder: id size 4 with the "complex coder" bit, then the method id 06 F1 07 01. */
const SEVEN_ZIP_AES_CODER = Buffer.from([0x24, 0x06, 0xf1, 0x07, 0x01]);
const SEVEN_ZIP_MAX_HEADER_OCTETS = 4 * 1024 * 1024;

/**
 * Tells whether a 7-Zip archive uses its AES coder: the end header (plain, or the packed-header description
 * when headers are compressed or encrypted) lists coder 06F10701. A heuristic byte search, bounded to 4 MB.
 */
export function isEncryptedSevenZip(data: Buffer): boolean {
  if (data.length < 32 || !data.subarray(0, 6).equals(SEVEN_ZIP_SIGNATURE)) return false;
  const nextHeaderOffset = Number(data.readBigUInt64LE(12));
  const nextHeaderSize = Number(data.readBigUInt64LE(20));
  const start = 32 + nextHeaderOffset;
  if (!Number.isSafeInteger(start) || start >= data.length) return false;
  const header = data.subarray(start, Math.min(start + nextHeaderSize, start + SEVEN_ZIP_MAX_HEADER_OCTETS, data.length));
  return header.includes(SEVEN_ZIP_AES_CODER);
}

const RAR5_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);
const RAR4_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00]);
const RAR_MAX_BLOCKS = 1_000;

function readVint(data: Buffer, offset: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 10 && offset + i < data.length; i += 1) {
    const byte = data[offset + i] ?? 0;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return Number.isSafeInteger(value) ? { value, next: offset + i + 1 } : null;
  }
  return null;
}

export type RarEncryption = 'headers' | 'files' | null;

/**
 * Detects encryption in a RAR archive. In RAR 5 an archive encryption header (type 4) means the file names are
 * encrypted too, and a file header with an encryption extra record (type 1) means its data is. In RAR 4 the main
 * header flag 0x0080 marks encrypted headers and the file header flag 0x0004 an encrypted file.
 */
export function detectRarEncryption(data: Buffer): RarEncryption {
  if (data.subarray(0, 8).equals(RAR5_SIGNATURE)) return detectRar5Encryption(data);
  if (data.subarray(0, 7).equals(RAR4_SIGNATURE)) return detectRar4Encryption(data);
  return null;
}

function detectRar5Encryption(data: Buffer): RarEncryption {
  let offset = 8;
  for (let block = 0; block < RAR_MAX_BLOCKS && offset + 4 < data.length; block += 1) {
    const size = readVint(data, offset + 4);
    if (!size || size.value === 0) return null;
    const headerEnd = size.next + size.value;
    const type = readVint(data, size.next);
    const flags = type ? readVint(data, type.next) : null;
    if (!type || !flags || headerEnd > data.length) return null;
    if (type.value === 4) return 'headers';

    let cursor = flags.next;
    let extraSize = 0;
    let dataSize = 0;
    if (flags.value & 0x01) {
      const extra = readVint(data, cursor);
      if (!extra) return null;
      extraSize = extra.value;
      cursor = extra.next;
    }
    if (flags.value & 0x02) {
      const dataArea = readVint(data, cursor);
      if (!dataArea) return null;
      dataSize = dataArea.value;
    }
    if (type.value === 2 && extraSize > 0 && rar5ExtraHasEncryption(data, headerEnd - extraSize, headerEnd)) return 'files';
    offset = headerEnd + dataSize;
  }
  return null;
}

function rar5ExtraHasEncryption(data: Buffer, start: number, end: number): boolean {
  let offset = start;
  while (offset < end) {
    const size = readVint(data, offset);
    const type = size ? readVint(data, size.next) : null;
    if (!size || !type || size.value === 0) return false;
    if (type.value === 0x01) return true;
    offset = size.next + size.value;
  }
  return false;
}

function detectRar4Encryption(data: Buffer): RarEncryption {
  let offset = 7;
  for (let block = 0; block < RAR_MAX_BLOCKS && offset + 7 <= data.length; block += 1) {
    const type = data.readUInt8(offset + 2);
    const flags = data.readUInt16LE(offset + 3);
    const headerSize = data.readUInt16LE(offset + 5);
    if (headerSize < 7) return null;
    if (type === 0x73 && (flags & 0x0080) !== 0) return 'headers';
    if (type === 0x74 && (flags & 0x0004) !== 0) return 'files';
    // A file header (and any block with flag 0x8000) is followed by a data area whose size opens the header body.
    const hasData = type === 0x74 || (flags & 0x8000) !== 0;
    const dataSize = hasData && offset + 11 <= data.length ? data.readUInt32LE(offset + 7) : 0;
    offset += headerSize + dataSize;
  }
  return null;
}

/** Tells whether a PDF names an /Encrypt dictionary (in the trailer or a cross-reference stream). */
export function pdfHasEncryptDictionary(data: Buffer): boolean {
  return data.includes('/Encrypt');
}
