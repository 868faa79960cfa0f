// Text extraction from hand-written OpenDocument and OOXML parts the builders do not produce: spreadsheets and
// presentations in ODF, and XLSX cells with inline strings, numbers and booleans.
import { describe, expect, it } from 'vitest';

import { buildZip } from '../../electron/demo/file-builders.js';
import { analyzeAttachment } from '../../electron/parsing/attachments/analyze-attachment.js';

const ODF_NAMESPACES =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ' +
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"';

function odf(mimeType: string, body: string): Promise<Buffer> {
  return buildZip([
    { name: 'mimetype', data: Buffer.from(mimeType) },
    { name: 'content.xml', data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ODF_NAMESPACES}><office:body>${body}</office:body></office:document-content>`) },
  ]);
}

function analyze(data: Buffer, filename: string) {
  return analyzeAttachment(data, { partPath: '2', filename, contentType: 'application/octet-stream' });
}

describe('analyzeAttachment document formats', () => {
  it('extracts ODS rows as tab-separated lines', async () => {
    const cell = (text: string): string => `<table:table-cell><text:p>${text}</text:p></table:table-cell>`;
    const body = `<office:spreadsheet><table:table table:name="S1"><table:table-row>${cell('Item')}${cell('Cost')}</table:table-row><table:table-row>${cell('Desk &amp; chair')}${cell('300')}</table:table-row></table:table></office:spreadsheet>`;
    const result = await analyze(await odf('application/vnd.oasis.opendocument.spreadsheet', body), 'costs.ods');
    expect(result.truth.detected).toEqual({ ext: 'ods', mime: 'application/vnd.oasis.opendocument.spreadsheet' });
    expect(result.text).toBe('Item\tCost\nDesk & chair\t300');
  });

  it('extracts ODP pages separated by a blank line', async () => {
    const page = (text: string): string => `<draw:page><draw:frame><draw:text-box><text:p>${text}</text:p></draw:text-box></draw:frame></draw:page>`;
    const body = `<office:presentation>${page('First slide')}${page('Second<text:s text:c="3"/>slide<text:tab/>end')}</office:presentation>`;
    const result = await analyze(await odf('application/vnd.oasis.opendocument.presentation', body), 'talk.odp');
    expect(result.truth.detected?.ext).toBe('odp');
    expect(result.text).toBe('First slide\n\nSecond   slide\tend');
  });

  it('reads ODT headings, line breaks and entities', async () => {
    const body = '<office:text><text:h>Title</text:h><text:p>a<text:line-break/>b &#x263A; &lt;ok&gt;</text:p></office:text>';
    const result = await analyze(await odf('application/vnd.oasis.opendocument.text', body), 'doc.odt');
    expect(result.text).toBe('Title\na\nb ☺ <ok>');
  });

  it('reads XLSX inline strings, numbers and booleans', async () => {
    const xlsx = await buildZip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook><sheets><sheet name="A" sheetId="1"/></sheets></workbook>') },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(
          '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Inline</t></is></c><c r="C1"><v>42.5</v></c>' +
            '<c r="D1" t="b"><v>1</v></c></row><row r="2"><c r="B2" t="str"><v>formula text</v></c></row></sheetData></worksheet>',
        ),
      },
    ]);
    const result = await analyze(xlsx, 'book.xlsx');
    expect(result.truth.detected?.ext).toBe('xlsx');
    expect(result.text).toBe('Inline\t\t42.5\tTRUE\n\tformula text');
  });

  it('ignores a DOCTYPE and its entities in XML parts', async () => {
    const body = '<office:text><text:p>safe &xxe; text</text:p></office:text>';
    const content = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><office:document-content ${ODF_NAMESPACES}><office:body>${body}</office:body></office:document-content>`;
    const odt = await buildZip([
      { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') },
      { name: 'content.xml', data: Buffer.from(content) },
    ]);
    const result = await analyze(odt, 'xxe.odt');
    expect(result.text).toBe('safe &xxe; text');
  });

  it('converts an HTML fragment by its declared type', async () => {
    const result = await analyzeAttachment(Buffer.from('<p>First</p><p>Second &amp; last</p>'), { partPath: '2', filename: 'part', contentType: 'text/html; charset=utf-8' });
    expect(result.truth.detected).toEqual({ ext: 'txt', mime: 'text/plain' });
    expect(result.text).toBe('First\n\nSecond & last');
  });

  it('reads RTF with code page escapes and skipped tables', async () => {
    const rtf = '{\\rtf1\\ansi\\ansicpg1251{\\fonttbl{\\f0 Arial;}}{\\*\\generator X;}{\\info{\\title Hidden}}\\f0 \\\'cf\\\'f0\\\'e8\\\'e2\\\'e5\\\'f2\\par Tab\\tab end\\line next}';
    const result = await analyze(Buffer.from(rtf, 'latin1'), 'ru.rtf');
    expect(result.text).toBe('Привет\nTab\tend\nnext');
  });
});
