// Hostile attachments: zip bombs, lying archives, garbage and malformed documents. Each must end with flags and
// a reason, never a throw or a hang.
import { describe, expect, it } from 'vitest';

import { buildDocx, buildPdf, buildZip } from '../../electron/demo/file-builders.js';
import { analyzeAttachment } from '../../electron/parsing/attachments/analyze-attachment.js';
import { MAX_ARCHIVE_MEMBERS, MAX_ATTACHMENT_TEXT_CHARS } from '../../electron/parsing/attachments/attachment-limits.js';

/** Time allowed for tests that build and read large archives on a busy machine; it only guards against hangs. */
const LARGE_INPUT_TIMEOUT_MS = 60_000;

function analyze(data: Buffer, filename: string | null, contentType = 'application/octet-stream') {
  return analyzeAttachment(data, { partPath: '1.2', filename, contentType });
}

/** Rewrites the uncompressed size of the first member in both its local header and its central directory record. */
function patchFirstUncompressedSize(zip: Buffer, size: number): Buffer {
  const patched = Buffer.from(zip);
  patched.writeUInt32LE(size, 22);
  const central = patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  patched.writeUInt32LE(size, central + 24);
  return patched;
}

describe('analyzeAttachment with hostile input', () => {
  it('skips a member with a zip-bomb compression ratio', async () => {
    const zip = await buildZip([
      { name: 'zeros.bin', data: Buffer.alloc(4 * 1024 * 1024) },
      { name: 'ok.txt', data: Buffer.from('still read') },
    ]);
    const result = await analyze(zip, 'bomb.zip', 'application/zip');
    expect(result.flags).toHaveLength(1);
    expect(result.flags[0]?.kind).toBe('limit-reached');
    expect(result.flags[0]?.location).toBe('1.2!zeros.bin');
    expect(result.flags[0]?.detail).toMatch(/^The member zeros\.bin was not read because its compression ratio is \d+:1, above the 200:1 accepted \(MAX_COMPRESSION_RATIO\)\.$/);
    expect(result.members.map((member) => [member.path, member.size, member.text])).toEqual([
      ['zeros.bin', 4 * 1024 * 1024, ''],
      ['ok.txt', 10, 'still read'],
    ]);
  }, LARGE_INPUT_TIMEOUT_MS);

  it('stops at the archive depth limit', async () => {
    let archive = await buildZip([{ name: 'bottom.txt', data: Buffer.from('deepest text') }]);
    for (let level = 1; level <= 6; level += 1) archive = await buildZip([{ name: `level${level}.zip`, data: archive }]);
    const result = await analyze(archive, 'nested.zip', 'application/zip');
    expect(result.members.map((member) => member.path)).toEqual(['level6.zip', 'level6.zip!level5.zip', 'level6.zip!level5.zip!level4.zip', 'level6.zip!level5.zip!level4.zip!level3.zip']);
    expect(result.flags).toEqual([
      {
        kind: 'limit-reached',
        location: '1.2!level6.zip!level5.zip!level4.zip!level3.zip',
        detail: 'The archive is nested more than 4 archives deep and was not opened (MAX_ARCHIVE_DEPTH).',
      },
    ]);
    expect(result.members.some((member) => member.text === 'deepest text')).toBe(false);
  });

  it('stops listing at the member count limit', async () => {
    const members = Array.from({ length: MAX_ARCHIVE_MEMBERS + 5 }, (_, index) => ({ name: `m${index}.txt`, data: Buffer.alloc(0) }));
    const result = await analyze(await buildZip(members), 'many.zip', 'application/zip');
    expect(result.members).toHaveLength(MAX_ARCHIVE_MEMBERS);
    expect(result.flags).toEqual([
      { kind: 'limit-reached', location: '1.2', detail: `The archive lists ${MAX_ARCHIVE_MEMBERS + 5} members; only ${MAX_ARCHIVE_MEMBERS} were read (MAX_ARCHIVE_MEMBERS).` },
    ]);
  }, LARGE_INPUT_TIMEOUT_MS);

  it('rejects a member whose real size exceeds its declared size', async () => {
    const zip = patchFirstUncompressedSize(await buildZip([{ name: 'liar.txt', data: Buffer.alloc(5000, 0x61) }]), 10);
    const result = await analyze(zip, 'liar.zip', 'application/zip');
    expect(result.flags.map((flag) => [flag.kind, flag.location])).toEqual([['extraction-failed', '1.2!liar.txt']]);
    expect(result.flags[0]?.detail).toMatch(/^The member liar\.txt could not be decompressed: /);
    expect(result.members[0]?.text).toBe('');
  });

  it('lists members with traversal and absolute names', async () => {
    const zip = await buildZip([
      { name: '../../etc/passwd', data: Buffer.from('root:x:0:0') },
      { name: '/abs/file.txt', data: Buffer.from('absolute') },
    ]);
    const result = await analyze(zip, 'paths.zip', 'application/zip');
    expect(result.members.map((member) => [member.path, member.text])).toEqual([
      ['../../etc/passwd', 'root:x:0:0'],
      ['/abs/file.txt', 'absolute'],
    ]);
  });

  it('reports garbage named .docx without throwing', async () => {
    const result = await analyze(Buffer.from([0x00, 0x13, 0x37, 0x42, 0xff, 0x00, 0x10, 0x20]), 'contract.docx');
    expect(result.textError).toBe(
      'Text could not be extracted from the DOCX content: End of central directory record signature not found. Either not a zip file, or file is truncated',
    );
    expect(result.flags.map((flag) => flag.kind)).toEqual(['type-mismatch', 'extraction-failed']);
    expect(result.flags[1]?.detail).toBe(`${result.textError}.`);
    expect(result.truth.mismatchReason).toBe('Named .docx but the bytes match no known file type');
  });

  it('reports a truncated PDF without throwing', async () => {
    const pdf = await buildPdf(['cut short']);
    const result = await analyze(pdf.subarray(0, 40), 'cut.pdf', 'application/pdf');
    expect(result.flags.map((flag) => flag.kind)).toEqual(['extraction-failed']);
    expect(result.textError).toMatch(/^Text could not be extracted from the PDF content: /);
  });

  it('stops a document whose part is a compression bomb', async () => {
    const docx = await buildDocx([' '.repeat(2 * 1024 * 1024)]);
    const result = await analyze(docx, 'padded.docx');
    expect(result.flags.map((flag) => [flag.kind, flag.location])).toEqual([['limit-reached', '1.2']]);
    expect(result.textError).toMatch(/^The document's ZIP member word\/document\.xml was not read because its compression ratio is \d+:1/);
  }, LARGE_INPUT_TIMEOUT_MS);

  it('reports XML nested too deep', async () => {
    const deep = `<office:document-content><office:body><office:text><text:p>${'<text:span>'.repeat(1500)}x${'</text:span>'.repeat(1500)}</text:p></office:text></office:body></office:document-content>`;
    const odt = await buildZip([
      { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') },
      { name: 'content.xml', data: Buffer.from(deep) },
    ]);
    const result = await analyze(odt, 'deep.odt');
    expect(result.flags.map((flag) => flag.kind)).toEqual(['extraction-failed']);
    expect(result.textError).toBe('Text could not be extracted from the ODT content: XML elements are nested more than 1000 deep');
  });

  it('reports RTF groups nested too deep', async () => {
    const rtf = Buffer.from(`{\\rtf1 ${'{'.repeat(2000)}x${'}'.repeat(2000)}}`);
    const result = await analyze(rtf, 'deep.rtf');
    expect(result.textError).toBe('Text could not be extracted from the RTF content: RTF groups are nested more than 1000 deep');
  });

  it('cuts text at the character limit', async () => {
    const result = await analyze(Buffer.alloc(MAX_ATTACHMENT_TEXT_CHARS + 10, 0x62), 'big.txt', 'text/plain');
    expect(result.text).toHaveLength(MAX_ATTACHMENT_TEXT_CHARS);
    expect(result.flags).toEqual([
      { kind: 'limit-reached', location: '1.2', detail: `The text was cut at ${MAX_ATTACHMENT_TEXT_CHARS} characters (MAX_ATTACHMENT_TEXT_CHARS).` },
    ]);
  }, LARGE_INPUT_TIMEOUT_MS);

  it('reports a ZIP with a broken central directory', async () => {
    const zip = await buildZip([{ name: 'a.txt', data: Buffer.from('a') }]);
    const broken = Buffer.concat([zip.subarray(0, zip.length - 22), Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18, 0xff)]);
    const result = await analyze(broken, 'broken.zip', 'application/zip');
    expect(result.flags.map((flag) => flag.kind)).toEqual(['extraction-failed']);
    expect(result.flags[0]?.detail).toMatch(/^The ZIP archive could not be read: /);
  });

  it('handles empty content', async () => {
    const result = await analyze(Buffer.alloc(0), 'empty.txt', 'text/plain');
    expect(result).toEqual({
      truth: { declaredType: 'text/plain', extension: 'txt', detected: null, mismatch: false, mismatchReason: null },
      text: '',
      textError: null,
      members: [],
      flags: [],
    });
  });
});
