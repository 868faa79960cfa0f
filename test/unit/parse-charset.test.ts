import { describe, expect, it } from 'vitest';

import { decodeText } from '../../electron/parsing/charset.js';

function octets(...values: number[]): Buffer {
  return Buffer.from(values);
}

describe('decodeText', () => {
  it('reports ASCII without a label as us-ascii', () => {
    expect(decodeText(Buffer.from('plain'), null)).toEqual({ text: 'plain', charsetUsed: 'us-ascii' });
  });

  it('keeps a UTF-8 label for ASCII text', () => {
    expect(decodeText(Buffer.from('plain'), 'UTF-8')).toEqual({ text: 'plain', charsetUsed: 'utf-8' });
  });

  it('decodes unlabelled UTF-8', () => {
    expect(decodeText(Buffer.from('Grüße', 'utf8'), null)).toEqual({ text: 'Grüße', charsetUsed: 'utf-8' });
  });

  it('decodes GB2312 as GB18030', () => {
    expect(decodeText(octets(0xd6, 0xd0, 0xce, 0xc4), 'gb2312')).toEqual({ text: '中文', charsetUsed: 'gb18030' });
  });

  it('decodes Big5', () => {
    expect(decodeText(octets(0xa4, 0xa4, 0xa4, 0xe5), 'big5')).toEqual({ text: '中文', charsetUsed: 'big5' });
  });

  it('decodes Shift_JIS as CP932', () => {
    expect(decodeText(octets(0x93, 0xfa, 0x96, 0x7b), 'Shift_JIS')).toEqual({ text: '日本', charsetUsed: 'cp932' });
  });

  it('decodes ISO-2022-JP', () => {
    expect(decodeText(octets(0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42), 'ISO-2022-JP')).toEqual({ text: '日本', charsetUsed: 'iso-2022-jp' });
  });

  it('decodes EUC-KR as CP949', () => {
    expect(decodeText(octets(0xc7, 0xd1, 0xb1, 0xb9), 'euc-kr')).toEqual({ text: '한국', charsetUsed: 'cp949' });
  });

  it('decodes ks_c_5601-1987 as CP949', () => {
    expect(decodeText(octets(0xc7, 0xd1, 0xb1, 0xb9), 'ks_c_5601-1987')).toEqual({ text: '한국', charsetUsed: 'cp949' });
  });

  it('decodes UTF-16 with a byte order mark', () => {
    expect(decodeText(octets(0xff, 0xfe, 0x41, 0x00, 0x14, 0x04), 'utf-16')).toEqual({ text: 'AД', charsetUsed: 'utf-16' });
  });

  it('decodes KOI8-R', () => {
    expect(decodeText(octets(0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4), 'KOI8-R')).toEqual({ text: 'Привет', charsetUsed: 'koi8-r' });
  });

  it('decodes windows-1251', () => {
    expect(decodeText(octets(0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2), 'windows-1251')).toEqual({ text: 'Привет', charsetUsed: 'windows-1251' });
  });

  it('decodes ISO-8859-7', () => {
    expect(decodeText(octets(0xc1, 0xe8, 0xde, 0xed, 0xe1), 'iso-8859-7')).toEqual({ text: 'Αθήνα', charsetUsed: 'iso-8859-7' });
  });

  it('reports win-1251 as windows-1251', () => {
    expect(decodeText(octets(0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2), 'win-1251')).toEqual({ text: 'Привет', charsetUsed: 'windows-1251' });
  });

  it('resolves the iso-8859-8-i alias', () => {
    expect(decodeText(octets(0xf9, 0xec, 0xe5, 0xed), 'iso-8859-8-i')).toEqual({ text: 'שלום', charsetUsed: 'iso-8859-8' });
  });

  it('reads C1 octets under iso-8859-1 as windows-1252', () => {
    expect(decodeText(octets(0x93, 0x6f, 0x6b, 0x94), 'iso-8859-1')).toEqual({ text: '“ok”', charsetUsed: 'windows-1252' });
  });

  it('reads invalid UTF-8 labelled utf-8 as windows-1252', () => {
    expect(decodeText(octets(0x43, 0x61, 0x66, 0xe9), 'utf-8')).toEqual({ text: 'Café', charsetUsed: 'windows-1252' });
  });

  it('keeps mostly valid UTF-8 as UTF-8', () => {
    const text = Buffer.concat([Buffer.from('Grüße aus Köln ', 'utf8'), octets(0xff)]);

    expect(decodeText(text, 'utf-8')).toEqual({ text: 'Grüße aus Köln \uFFFD', charsetUsed: 'utf-8' });
  });

  it('reads UTF-8 labelled windows-1252 as UTF-8', () => {
    expect(decodeText(Buffer.from('Köln', 'utf8'), 'windows-1252')).toEqual({ text: 'Köln', charsetUsed: 'utf-8' });
  });

  it('treats an unknown charset as unlabelled', () => {
    expect(decodeText(Buffer.from('Köln', 'utf8'), 'x-made-up')).toEqual({ text: 'Köln', charsetUsed: 'utf-8' });
  });

  it('refuses to decode UTF-7', () => {
    expect(decodeText(Buffer.from('+ADw-script+AD4-'), 'utf-7')).toEqual({ text: '+ADw-script+AD4-', charsetUsed: 'us-ascii' });
  });
});
