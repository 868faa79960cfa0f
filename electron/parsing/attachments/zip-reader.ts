// Reads ZIP archives held in memory with yauzl: the central directory first, then single members with a size cap.
// Nothing is written to disk, so hostile member names ("../x", "/etc/x") are only reported, never used as paths.
import yauzl from 'yauzl';

import { ARCHIVE_RATIO_MIN_OCTETS, MAX_ARCHIVE_MEMBER_OCTETS, MAX_COMPRESSION_RATIO } from './attachment-limits.js';

export type ZipEncryption = 'zipcrypto' | 'aes' | null;

export interface ZipEntryInfo {
  /** Member path as stored, decoded from UTF-8 or CP437 (or the Info-ZIP Unicode Path field). */
  name: string;
  isDirectory: boolean;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  encryption: ZipEncryption;
  /** AES key length in bits for WinZip AES members, else null. */
  aesBits: number | null;
  entry: yauzl.Entry;
}

export interface ZipListing {
  zipfile: yauzl.ZipFile;
  entries: ZipEntryInfo[];
  /** Entries the central directory declares, which may exceed entries.length when the listing was cut short. */
  declaredCount: number;
}

/** WinZip AES extra field (APPNOTE.TXT appendix E): vendor version, "AE", key strength, real method. */
const AES_EXTRA_FIELD_ID = 0x9901;

/** AES key length in bits by the extra field's strength code. */
const AES_KEY_BITS: Record<number, number> = { 1: 128, 2: 192, 3: 256 };

function describeEncryption(entry: yauzl.Entry): { encryption: ZipEncryption; aesBits: number | null; method: number } {
  // General-purpose bit 0 marks an encrypted member. Bit 6 (PKWARE strong encryption) never gets here because
  // yauzl rejects the archive at such a member.
  if ((entry.generalPurposeBitFlag & 0x01) === 0) return { encryption: null, aesBits: null, method: entry.compressionMethod };
  if (entry.compressionMethod !== 99) return { encryption: 'zipcrypto', aesBits: null, method: entry.compressionMethod };

  const field = entry.extraFields.find((extra) => extra.id === AES_EXTRA_FIELD_ID);
  const strength = field && field.data.length >= 7 ? field.data.readUInt8(4) : 0;
  const bits = AES_KEY_BITS[strength] ?? null;
  const method = field && field.data.length >= 7 ? field.data.readUInt16LE(5) : 99;
  return { encryption: 'aes', aesBits: bits, method };
}

function openZip(data: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // With decodeStrings off, yauzl lists a member with a hostile name instead of failing the whole archive.
    // The names are then decoded below with yauzl's own rules.
    yauzl.fromBuffer(data, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (error, zipfile) => {
      if (error) reject(error);
      else resolve(zipfile);
    });
  });
}

/**
 * Lists up to maxEntries members of a ZIP archive held in memory. Rejects when the bytes are not a readable ZIP,
 * and with yauzl's "strong encryption is not supported" error at a member with PKWARE strong encryption.
 */
export async function listZipEntries(data: Buffer, maxEntries: number): Promise<ZipListing> {
  const zipfile = await openZip(data);
  const entries: ZipEntryInfo[] = [];

  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      const nameBytes = Buffer.isBuffer(entry.fileName) ? entry.fileName : Buffer.from(String(entry.fileName), 'utf8');
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, nameBytes, entry.extraFields, false);
      const { encryption, aesBits, method } = describeEncryption(entry);
      entries.push({
        name,
        isDirectory: name.endsWith('/'),
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        compressionMethod: method,
        encryption,
        aesBits,
        entry,
      });
      if (entries.length >= maxEntries) resolve();
      else zipfile.readEntry();
    });
    zipfile.on('end', () => resolve());
    zipfile.on('error', (error: Error) => reject(error));
    zipfile.readEntry();
  });

  return { zipfile, entries, declaredCount: zipfile.entryCount };
}

/**
 * Reads one unencrypted member into memory. Rejects when it decompresses to more than maxOctets, when its data is
 * corrupt, or when its real size differs from the size the central directory declares (yauzl checks that).
 */
export function readZipEntry(listing: ZipListing, info: ZipEntryInfo, maxOctets: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    listing.zipfile.openReadStream(info.entry, (error, stream) => {
      if (error) {
        reject(error);
        return;
      }

      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxOctets) {
          stream.destroy(new Error(`member decompresses to more than ${maxOctets} octets`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Returns a member by exact name, or undefined. */
export function findZipEntry(listing: ZipListing, name: string): ZipEntryInfo | undefined {
  return listing.entries.find((info) => info.name === name);
}

/**
 * Returns why a member must not be decompressed (too large, or compressed suspiciously well, as zip bombs are),
 * naming the limit, or null when it may be read. The sizes come from the central directory, and yauzl later
 * rejects a member whose real size differs.
 */
export function memberLimitProblem(info: ZipEntryInfo): string | null {
  if (info.uncompressedSize > MAX_ARCHIVE_MEMBER_OCTETS) {
    return `it decompresses to ${info.uncompressedSize} octets, more than the ${MAX_ARCHIVE_MEMBER_OCTETS} read for one member (MAX_ARCHIVE_MEMBER_OCTETS)`;
  }
  if (info.uncompressedSize > ARCHIVE_RATIO_MIN_OCTETS) {
    const ratio = info.uncompressedSize / Math.max(info.compressedSize, 1);
    if (ratio > MAX_COMPRESSION_RATIO) {
      return `its compression ratio is ${Math.round(ratio)}:1, above the ${MAX_COMPRESSION_RATIO}:1 accepted (MAX_COMPRESSION_RATIO)`;
    }
  }
  return null;
}
