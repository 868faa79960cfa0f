// Password-protected containers built byte by byte in the test (OLE2, 7-Zip, RAR) and truth-table edge cases.
import { describe, expect, it } from 'vitest';

import { analyzeAttachment } from '../../electron/parsing/attachments/analyze-attachment.js';
import { buildTruthTable } from '../../electron/parsing/attachments/detect-type.js';

function analyze(data: Buffer, filename: string | null, contentType = 'application/octet-stream') {
  return analyzeAttachment(data, { partPath: '3', filename, contentType });
}

interface CompoundStream {
  name: string;
  data: Buffer;
}

/**
 * Writes a version 3 OLE2 compound file with 512-octet sectors: one FAT sector, one directory sector, then each
 * stream's data in whole sectors. Streams must be 4096 octets or larger or empty, so no mini stream is needed.
 */
function buildCompoundFile(streams: CompoundStream[]): Buffer {
  const sectorSize = 512;
  const dataSectors: Buffer[] = [];
  const fat: number[] = [0xfffffffd, 0xfffffffe];
  const starts: number[] = [];

  for (const stream of streams) {
    if (stream.data.length === 0) {
      starts.push(0xfffffffe);
      continue;
    }
    const count = Math.ceil(stream.data.length / sectorSize);
    const first = 2 + dataSectors.length;
    starts.push(first);
    for (let i = 0; i < count; i += 1) {
      const sector = Buffer.alloc(sectorSize);
      stream.data.copy(sector, 0, i * sectorSize, (i + 1) * sectorSize);
      dataSectors.push(sector);
      fat.push(i === count - 1 ? 0xfffffffe : first + i + 1);
    }
  }

  const header = Buffer.alloc(sectorSize, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c);
  header.writeUInt32LE(1, 0x30);
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c);
  header.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i += 1) header.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 0x4c + i * 4);

  const fatSector = Buffer.alloc(sectorSize, 0xff);
  fat.forEach((value, index) => fatSector.writeUInt32LE(value, index * 4));

  const directory = Buffer.alloc(sectorSize, 0);
  const writeEntry = (index: number, name: string, type: number, child: number, right: number, start: number, size: number): void => {
    const base = index * 128;
    directory.write(name, base, 'utf16le');
    directory.writeUInt16LE((name.length + 1) * 2, base + 64);
    directory.writeUInt8(type, base + 66);
    directory.writeUInt32LE(0xffffffff, base + 68);
    directory.writeUInt32LE(right, base + 72);
    directory.writeUInt32LE(child, base + 76);
    directory.writeUInt32LE(start, base + 116);
    directory.writeUInt32LE(size, base + 120);
  };
  writeEntry(0, 'Root Entry', 5, streams.length > 0 ? 1 : 0xffffffff, 0xffffffff, 0xfffffffe, 0);
  streams.forEach((stream, index) => {
    const right = index + 2 <= streams.length ? index + 2 : 0xffffffff;
    writeEntry(index + 1, stream.name, 2, 0xffffffff, right, starts[index] ?? 0xfffffffe, stream.data.length);
  });

  return Buffer.concat([header, fatSector, directory, ...dataSectors]);
}

function wordDocumentStream(isEncrypted: boolean): Buffer {
  const stream = Buffer.alloc(4096);
  stream.writeUInt16LE(0xa5ec, 0);
  stream.writeUInt16LE(isEncrypted ? 0x0100 : 0, 0x0a);
  return stream;
}

function sevenZip(nextHeader: Buffer): Buffer {
  const start = Buffer.alloc(32);
  Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]).copy(start, 0);
  start.writeBigUInt64LE(16n, 12);
  start.writeBigUInt64LE(BigInt(nextHeader.length), 20);
  return Buffer.concat([start, Buffer.alloc(16, 0x55), nextHeader]);
}

function rar5Block(header: number[]): Buffer {
  return Buffer.concat([Buffer.alloc(4), Buffer.from([header.length]), Buffer.from(header)]);
}

const RAR5_SIGNATURE = Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00]);

describe('analyzeAttachment on protected containers', () => {
  it('flags an encrypted OOXML document in an OLE2 container', async () => {
    const file = buildCompoundFile([
      { name: 'EncryptionInfo', data: Buffer.alloc(0) },
      { name: 'EncryptedPackage', data: Buffer.alloc(0) },
    ]);
    const result = await analyze(file, 'budget.xlsx');
    expect(result.truth.detected).toEqual({ ext: 'cfb', mime: 'application/x-cfb' });
    expect(result.truth.mismatch).toBe(false);
    expect(result.flags).toEqual([
      {
        kind: 'encrypted-office',
        location: '3',
        detail: 'The Office document is encrypted with a password (EncryptionInfo and EncryptedPackage streams), so its content cannot be read.',
      },
    ]);
  });

  it('flags an encrypted Word 97-2003 document', async () => {
    const result = await analyze(buildCompoundFile([{ name: 'WordDocument', data: wordDocumentStream(true) }]), 'old.doc', 'application/msword');
    expect(result.truth.detected).toEqual({ ext: 'doc', mime: 'application/msword' });
    expect(result.flags).toEqual([
      { kind: 'encrypted-office', location: '3', detail: 'The Word 97-2003 document is encrypted with a password, so its content cannot be read.' },
    ]);
  });

  it('leaves an unencrypted Word 97-2003 document unflagged', async () => {
    const result = await analyze(buildCompoundFile([{ name: 'WordDocument', data: wordDocumentStream(false) }]), 'old.doc');
    expect(result.flags).toEqual([]);
  });

  it('reports a Word 97-2003 document named .xls', async () => {
    const result = await analyze(buildCompoundFile([{ name: 'WordDocument', data: wordDocumentStream(false) }]), 'sheet.xls');
    expect(result.truth.mismatchReason).toBe('Named .xls but the bytes are a Word 97-2003 document');
  });

  it('flags a 7-Zip archive with the AES coder', async () => {
    const result = await analyze(sevenZip(Buffer.from([0x17, 0x06, 0x01, 0x24, 0x06, 0xf1, 0x07, 0x01, 0x00])), 'files.7z');
    expect(result.flags).toEqual([
      { kind: 'encrypted-archive', location: '3', detail: 'The 7-Zip archive uses AES encryption, so its content cannot be read.' },
    ]);
  });

  it('leaves a 7-Zip archive without the AES coder unflagged', async () => {
    const result = await analyze(sevenZip(Buffer.from([0x01, 0x04, 0x06, 0x00, 0x01, 0x09, 0x00])), 'files.7z');
    expect(result.flags).toEqual([]);
  });

  it('flags a RAR 5 archive with encrypted headers', async () => {
    const data = Buffer.concat([RAR5_SIGNATURE, rar5Block([0x04, 0x00, 0x00, 0x00, 0x0f]), Buffer.alloc(32)]);
    const result = await analyze(data, 'files.rar');
    expect(result.flags).toEqual([
      { kind: 'encrypted-archive', location: '3', detail: 'The RAR archive is encrypted, file names included, so its content cannot be read.' },
    ]);
  });

  it('flags a RAR 5 archive holding an encrypted file', async () => {
    const main = rar5Block([0x01, 0x00, 0x00]);
    // File header: type 2, flags "extra area", extra size 3, file flags, sizes, name "a", then the encryption record.
    const file = rar5Block([0x02, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x61, 0x02, 0x01, 0x00]);
    const result = await analyze(Buffer.concat([RAR5_SIGNATURE, main, file]), 'files.rar');
    expect(result.flags).toEqual([
      { kind: 'encrypted-archive', location: '3', detail: 'The RAR archive contains encrypted files, so their content cannot be read.' },
    ]);
  });

  it('flags a RAR 4 archive with encrypted headers', async () => {
    const main = Buffer.alloc(13);
    main.writeUInt8(0x73, 2);
    main.writeUInt16LE(0x0080, 3);
    main.writeUInt16LE(13, 5);
    const data = Buffer.concat([Buffer.from([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00]), main, Buffer.alloc(16)]);
    const result = await analyze(data, 'old.rar');
    expect(result.flags.map((flag) => flag.kind)).toEqual(['encrypted-archive']);
  });
});

describe('buildTruthTable', () => {
  it('accepts an alias extension', () => {
    expect(buildTruthTable({ ext: 'jpg', mime: 'image/jpeg' }, 'photo.JPEG', 'image/jpeg').mismatch).toBe(false);
  });

  it('ignores an unknown extension', () => {
    expect(buildTruthTable({ ext: 'png', mime: 'image/png' }, 'scan.dat', 'application/octet-stream').mismatch).toBe(false);
  });

  it('reports text named as a PDF', () => {
    expect(buildTruthTable({ ext: 'txt', mime: 'text/plain' }, 'a.pdf', 'application/octet-stream').mismatchReason).toBe('Named .pdf but the bytes are plain text');
  });

  it('accepts text under another text extension', () => {
    expect(buildTruthTable({ ext: 'html', mime: 'text/html' }, 'page.txt', 'text/plain').mismatch).toBe(false);
  });

  it('accepts a Word document declared as ZIP', () => {
    const docx = { ext: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };
    expect(buildTruthTable(docx, 'a.docx', 'application/zip').mismatch).toBe(false);
  });

  it('keeps the declared type without parameters', () => {
    expect(buildTruthTable(null, 'a.txt', 'Text/Plain; charset="utf-8"').declaredType).toBe('text/plain');
  });

  it('returns a null extension for a name without one', () => {
    expect(buildTruthTable(null, 'README', 'text/plain').extension).toBeNull();
  });
});
