// Analyses attachments built by the demo file builders and checks the exact text, members, truth table and flags.
import { describe, expect, it } from 'vitest';

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
import { analyzeAttachment } from '../../electron/parsing/attachments/analyze-attachment.js';

function analyze(data: Buffer, filename: string | null, contentType = 'application/octet-stream') {
  return analyzeAttachment(data, { partPath: '2', filename, contentType });
}

describe('analyzeAttachment', () => {
  it('extracts PDF text line by line', async () => {
    const result = await analyze(await buildPdf(['Quarterly figures', 'Project Falcon (draft) \\ v2', 'Café au lait']), 'report.pdf', 'application/pdf');
    expect(result.text).toBe('Quarterly figures\nProject Falcon (draft) \\ v2\nCafé au lait');
    expect(result.textError).toBeNull();
    expect(result.flags).toEqual([]);
    expect(result.truth).toEqual({
      declaredType: 'application/pdf',
      extension: 'pdf',
      detected: { ext: 'pdf', mime: 'application/pdf' },
      mismatch: false,
      mismatchReason: null,
    });
  });

  it('separates PDF pages with a blank line', async () => {
    const lines = Array.from({ length: 49 }, (_, index) => `Line ${index + 1}`);
    const result = await analyze(await buildPdf(lines), 'long.pdf');
    expect(result.text.split('\n\n')).toEqual([lines.slice(0, 48).join('\n'), 'Line 49']);
  });

  it('extracts DOCX paragraphs', async () => {
    const result = await analyze(await buildDocx(['Dear partner,', 'Bluebird ships on Friday & <not> before.']), 'letter.docx');
    expect(result.text).toBe('Dear partner,\n\nBluebird ships on Friday & <not> before.');
    expect(result.truth.detected).toEqual({ ext: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    expect(result.flags).toEqual([]);
  });

  it('extracts XLSX rows as tab-separated lines', async () => {
    const result = await analyze(await buildXlsx([['Name', 'Amount'], ['Rival Ltd', '1200'], ['Gap', '', 'third column']]), 'ledger.xlsx');
    expect(result.text).toBe('Name\tAmount\nRival Ltd\t1200\nGap\t\tthird column');
    expect(result.truth.detected?.ext).toBe('xlsx');
  });

  it('extracts PPTX slides in order', async () => {
    const slides = Array.from({ length: 11 }, (_, index) => `Slide number ${index + 1}`);
    const result = await analyze(await buildPptx(slides), 'deck.pptx');
    expect(result.text).toBe(slides.join('\n\n'));
    expect(result.truth.detected?.ext).toBe('pptx');
  });

  it('extracts ODT paragraphs', async () => {
    const result = await analyze(await buildOdt(['Minutes of the meeting', 'Attendees: Ana, Bo']), 'minutes.odt');
    expect(result.text).toBe('Minutes of the meeting\nAttendees: Ana, Bo');
    expect(result.truth.detected).toEqual({ ext: 'odt', mime: 'application/vnd.oasis.opendocument.text' });
  });

  it('extracts RTF text with escapes and Unicode', async () => {
    const result = await analyze(await buildRtf(['Plain line', 'Braces {kept} and back\\slash', 'Café 日本 😀']), 'note.rtf', 'application/rtf');
    expect(result.text).toBe('Plain line\nBraces {kept} and back\\slash\nCafé 日本 😀');
    expect(result.truth.detected).toEqual({ ext: 'rtf', mime: 'application/rtf' });
  });

  it('extracts HTML text without link targets', async () => {
    const html = '<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body><p>Hello <b>world</b></p><p><a href="https://rival.example/x">the link</a></p></body></html>';
    const result = await analyze(Buffer.from(html, 'utf8'), 'page.html', 'text/html');
    expect(result.text).toBe('Hello world\n\nthe link');
    expect(result.truth.detected).toEqual({ ext: 'html', mime: 'text/html' });
  });

  it('decodes HTML in the charset its meta element names', async () => {
    const html = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"></head><body><p>'), Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), Buffer.from('</p></body></html>')]);
    const result = await analyze(html, 'ru.html', 'text/html');
    expect(result.text).toBe('Привет');
  });

  it('extracts CSV text as decoded', async () => {
    const result = await analyze(Buffer.from('name;city\r\nJosé;Zürich\r\nAnn;Oslo\r\n', 'utf8'), 'people.csv', 'text/csv');
    expect(result.text).toBe('name;city\r\nJosé;Zürich\r\nAnn;Oslo');
    expect(result.truth.detected).toEqual({ ext: 'csv', mime: 'text/csv' });
  });

  it('decodes plain text in its declared charset', async () => {
    const result = await analyze(Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]), 'gruss.txt', 'text/plain; charset=ISO-8859-1');
    expect(result.text).toBe('Grüße');
    expect(result.truth.declaredType).toBe('text/plain');
  });

  it('decodes text in the charset given beside the type', async () => {
    const result = await analyzeAttachment(Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), { partPath: '2', filename: 'koi.txt', contentType: 'text/plain', charset: 'koi8-r' });
    expect(result.text).toBe('Привет');
  });

  it('decodes UTF-16 text with a byte order mark', async () => {
    const data = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello UTF-16', 'utf16le')]);
    const result = await analyze(data, 'wide.txt', 'text/plain');
    expect(result.text).toBe('Hello UTF-16');
  });

  it('lists ZIP members with their text', async () => {
    const inner = await buildZip([{ name: 'deep/note.txt', data: Buffer.from('nested secret') }]);
    const zip = await buildZip([
      { name: 'readme.txt', data: Buffer.from('top level text\n') },
      { name: 'docs/letter.docx', data: await buildDocx(['Inside the archive']) },
      { name: 'inner.zip', data: inner },
    ]);
    const result = await analyze(zip, 'bundle.zip', 'application/zip');
    expect(result.members.map((member) => member.path)).toEqual(['readme.txt', 'docs/letter.docx', 'inner.zip', 'inner.zip!deep/note.txt']);
    expect(result.members.map((member) => member.text)).toEqual(['top level text', 'Inside the archive', '', 'nested secret']);
    expect(result.members.map((member) => member.detected?.ext)).toEqual(['txt', 'docx', 'zip', 'txt']);
    expect(result.members[0]).toEqual({ path: 'readme.txt', size: 15, encrypted: false, detected: { ext: 'txt', mime: 'text/plain' }, text: 'top level text' });
    expect(result.text).toBe('');
    expect(result.flags).toEqual([]);
  });

  it('flags every member of an AES-encrypted ZIP', async () => {
    const zip = await buildAesZip([{ name: 'secret.txt', data: Buffer.from('hidden') }, { name: 'plans/q3.docx', data: await buildDocx(['x']) }], 'hunter2');
    const result = await analyze(zip, 'locked.zip', 'application/zip');
    expect(result.flags).toEqual([
      { kind: 'encrypted-zip', location: '2!secret.txt', detail: 'The member secret.txt is encrypted with WinZip AES-256, so its content cannot be read.' },
      { kind: 'encrypted-zip', location: '2!plans/q3.docx', detail: 'The member plans/q3.docx is encrypted with WinZip AES-256, so its content cannot be read.' },
    ]);
    expect(result.members.map((member) => [member.path, member.encrypted, member.text])).toEqual([
      ['secret.txt', true, ''],
      ['plans/q3.docx', true, ''],
    ]);
  });

  it('flags every member of a ZipCrypto-encrypted ZIP', async () => {
    const zip = await buildZipCrypto([{ name: 'secret.txt', data: Buffer.from('hidden') }], 'hunter2');
    const result = await analyze(zip, 'locked.zip', 'application/zip');
    expect(result.flags).toEqual([
      {
        kind: 'encrypted-zip',
        location: '2!secret.txt',
        detail: 'The member secret.txt is encrypted with traditional PKWARE encryption (ZipCrypto), so its content cannot be read.',
      },
    ]);
    expect(result.members).toEqual([{ path: 'secret.txt', size: 6, encrypted: true, detected: null, text: '' }]);
  });

  it('flags an encrypted PDF', async () => {
    const result = await analyze(await buildEncryptedPdf(['Top secret'], 'open sesame'), 'secret.pdf', 'application/pdf');
    expect(result.flags).toEqual([
      { kind: 'encrypted-pdf', location: '2', detail: 'The PDF is encrypted with a password, so its text cannot be read.' },
    ]);
    expect(result.textError).toBe('The PDF is encrypted with a password, so its text cannot be read');
    expect(result.text).toBe('');
  });

  it('flags a PNG named .pdf as an image with a mismatch', async () => {
    const result = await analyze(await buildPng(8, 8), 'invoice.pdf');
    expect(result.truth).toEqual({
      declaredType: 'application/octet-stream',
      extension: 'pdf',
      detected: { ext: 'png', mime: 'image/png' },
      mismatch: true,
      mismatchReason: 'Named .pdf but the bytes are PNG',
    });
    expect(result.flags).toEqual([
      { kind: 'type-mismatch', location: '2', detail: 'Named .pdf but the bytes are PNG.' },
      { kind: 'image', location: '2', detail: 'The bytes are a PNG image, which can carry text that only OCR reads.' },
    ]);
  });

  it('flags an .exe named .txt as an executable with a mismatch', async () => {
    const result = await analyze(await buildExe(), 'notes.txt', 'text/plain');
    expect(result.truth.detected).toEqual({ ext: 'exe', mime: 'application/x-msdownload' });
    expect(result.truth.mismatchReason).toBe('Named .txt and declared as text/plain but the bytes are a Windows executable (PE)');
    expect(result.flags.map((flag) => flag.kind)).toEqual(['type-mismatch', 'executable']);
    expect(result.flags[1]?.detail).toBe('The bytes are a Windows executable (PE), a program that runs when opened.');
  });

  it('flags members of an archive by their own location', async () => {
    const zip = await buildZip([
      { name: 'photo.pdf', data: await buildPng(2, 2) },
      { name: 'tools/setup.txt', data: await buildExe() },
    ]);
    const result = await analyze(zip, 'mixed.zip', 'application/zip');
    expect(result.flags.map((flag) => `${flag.kind} ${flag.location}`)).toEqual([
      'type-mismatch 2!photo.pdf',
      'image 2!photo.pdf',
      'type-mismatch 2!tools/setup.txt',
      'executable 2!tools/setup.txt',
    ]);
  });

  it('flags an encrypted PDF inside a ZIP', async () => {
    const pdf = await buildEncryptedPdf(['x'], 'pw');
    const zip = await buildZip([{ name: 'docs/locked.pdf', data: pdf }]);
    const result = await analyze(zip, 'docs.zip', 'application/zip');
    expect(result.flags).toEqual([
      { kind: 'encrypted-pdf', location: '2!docs/locked.pdf', detail: 'The PDF is encrypted with a password, so its text cannot be read.' },
    ]);
    expect(result.members).toEqual([{ path: 'docs/locked.pdf', size: pdf.length, encrypted: false, detected: { ext: 'pdf', mime: 'application/pdf' }, text: '' }]);
  });

  it('keeps a generic declared type from counting as a mismatch', async () => {
    const result = await analyze(await buildDocx(['x']), 'x.docx', 'application/octet-stream');
    expect(result.truth.mismatch).toBe(false);
  });

  it('reports a declared type the bytes contradict', async () => {
    const result = await analyze(await buildPdf(['x']), null, 'image/jpeg');
    expect(result.truth.mismatchReason).toBe('Declared as image/jpeg but the bytes are PDF');
  });

  it('reports a plain ZIP named as a Word document', async () => {
    const result = await analyze(await buildZip([{ name: 'a.txt', data: Buffer.from('a') }]), 'report.docx');
    expect(result.truth.mismatchReason).toBe('Named .docx but the bytes are ZIP');
  });

  it('flags a script by its extension', async () => {
    const result = await analyze(Buffer.from('WScript.Echo "hi"\r\n'), 'invoice.vbs', 'text/plain');
    expect(result.flags).toEqual([
      { kind: 'executable', location: '2', detail: 'The name ends in .vbs, a type that runs as a program or script (or mounts as a disk image) when opened.' },
    ]);
    expect(result.text).toBe('WScript.Echo "hi"');
  });
});
