// The demo file builders: deterministic output, and real encryption that opens with the right password.
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';

import {
  buildAesZip,
  buildDocx,
  buildEncryptedPdf,
  buildExe,
  buildOdt,
  buildPdf,
  buildPng,
  buildPptx,
  buildRtf,
  buildXlsx,
  buildZip,
  buildZipCrypto,
} from '../../electron/demo/file-builders.js';

const MEMBERS = [
  { name: 'a.txt', data: Buffer.from('first member text') },
  { name: 'folder/b.txt', data: Buffer.from('second member text') },
];

/** Returns the first local file header's fields and its data. */
function firstLocalEntry(zip: Buffer): { flags: number; method: number; crc: number; extra: Buffer; data: Buffer } {
  const nameLength = zip.readUInt16LE(26);
  const extraLength = zip.readUInt16LE(28);
  const dataStart = 30 + nameLength + extraLength;
  return {
    flags: zip.readUInt16LE(6),
    method: zip.readUInt16LE(8),
    crc: zip.readUInt32LE(14),
    extra: zip.subarray(30 + nameLength, dataStart),
    data: zip.subarray(dataStart, dataStart + zip.readUInt32LE(18)),
  };
}

async function openPdfText(data: Buffer, password?: string): Promise<string> {
  const document = await getDocument({ data: new Uint8Array(data), password, isEvalSupported: false, verbosity: 0 }).promise;
  const page = await document.getPage(1);
  const content = await page.getTextContent();
  await document.destroy();
  return content.items.map((item) => ('str' in item ? item.str : '')).join('|');
}

describe('file builders', () => {
  const builds: [string, () => Promise<Buffer>][] = [
    ['pdf', () => buildPdf(['a', 'b'])],
    ['encrypted pdf', () => buildEncryptedPdf(['a'], 'pw')],
    ['docx', () => buildDocx(['a'])],
    ['xlsx', () => buildXlsx([['a', 'b']])],
    ['pptx', () => buildPptx(['a'])],
    ['odt', () => buildOdt(['a'])],
    ['rtf', () => buildRtf(['a'])],
    ['zip', () => buildZip(MEMBERS)],
    ['zipcrypto zip', () => buildZipCrypto(MEMBERS, 'pw')],
    ['aes zip', () => buildAesZip(MEMBERS, 'pw')],
    ['png', () => buildPng(3, 2)],
    ['exe', () => buildExe()],
  ];

  for (const [name, build] of builds) {
    it(`builds the same ${name} bytes twice`, async () => {
      expect((await build()).equals(await build())).toBe(true);
    });
  }

  it('writes fixed ZIP timestamps', async () => {
    const zip = await buildZip(MEMBERS);
    const zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
    const entries: string[] = [];
    await new Promise<void>((resolve) => {
      zipfile.on('entry', (entry: yauzl.Entry) => {
        entries.push(`${entry.fileName} ${entry.getLastModDate({ timezone: 'UTC' }).toISOString()}`);
        zipfile.readEntry();
      });
      zipfile.on('end', () => resolve());
      zipfile.readEntry();
    });
    expect(entries).toEqual(['a.txt 2024-01-02T03:04:06.000Z', 'folder/b.txt 2024-01-02T03:04:06.000Z']);
  });

  it('encrypts a PDF behind its password', async () => {
    const pdf = await buildEncryptedPdf(['Secret line', 'Second line'], 'open sesame');
    await expect(openPdfText(pdf)).rejects.toMatchObject({ name: 'PasswordException' });
    expect(await openPdfText(pdf, 'open sesame')).toBe('Secret line|Second line');
  });

  it('writes a plain PDF pdfjs reads', async () => {
    expect(await openPdfText(await buildPdf(['One', 'Two']))).toBe('One|Two');
  });

  it('encrypts ZipCrypto members reversibly', async () => {
    const entry = firstLocalEntry(await buildZipCrypto(MEMBERS, 'secret'));
    expect(entry.flags & 0x01).toBe(1);

    // Traditional PKWARE decryption, APPNOTE.TXT section 6.1, written out independently of the builder.
    const table = Array.from({ length: 256 }, (_, n) => {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      return c >>> 0;
    });
    const crcByte = (crc: number, byte: number): number => ((table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)) >>> 0;
    let key0 = 0x12345678;
    let key1 = 0x23456789;
    let key2 = 0x34567890;
    const update = (byte: number): void => {
      key0 = crcByte(key0, byte);
      key1 = (Math.imul((key1 + (key0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
      key2 = crcByte(key2, key1 >>> 24);
    };
    for (const byte of Buffer.from('secret')) update(byte);
    const plain = Buffer.alloc(entry.data.length);
    entry.data.forEach((byte, index) => {
      const temp = (key2 | 2) & 0xffff;
      plain[index] = byte ^ ((Math.imul(temp, temp ^ 1) >>> 8) & 0xff);
      update(plain[index] ?? 0);
    });

    expect(plain[11]).toBe(entry.crc >>> 24);
    expect(inflateRawSync(plain.subarray(12)).toString()).toBe('first member text');
  });

  it('writes a valid AE-2 verifier and HMAC', async () => {
    const entry = firstLocalEntry(await buildAesZip(MEMBERS, 'secret'));
    expect(entry.method).toBe(99);
    expect(entry.extra.toString('hex')).toBe('0199070002004145030800');

    const salt = entry.data.subarray(0, 16);
    const derived = pbkdf2Sync('secret', salt, 1000, 66, 'sha1');
    expect(entry.data.subarray(16, 18).equals(derived.subarray(64, 66))).toBe(true);
    const encrypted = entry.data.subarray(18, entry.data.length - 10);
    const authCode = createHmac('sha1', derived.subarray(32, 64)).update(encrypted).digest().subarray(0, 10);
    expect(entry.data.subarray(entry.data.length - 10).equals(authCode)).toBe(true);
  });

  it('writes a PNG of the requested size', async () => {
    const png = await buildPng(7, 5);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([7, 5]);
  });

  it('writes the PE signature at e_lfanew', async () => {
    const exe = await buildExe();
    expect(exe.subarray(exe.readUInt32LE(0x3c), exe.readUInt32LE(0x3c) + 4).toString('latin1')).toBe('PE\0\0');
  });
});
