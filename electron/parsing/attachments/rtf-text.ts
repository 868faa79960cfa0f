// Extracts the visible text of an RTF document with a small bounded reader of our own. The RTF packages on npm
// build a full document model or HTML (rtf-parser, rtf.js), run the external UnRTF program (node-unrtf), or only
// unwrap RTF-encapsulated HTML from Outlook (rtf-stream-parser). Text needs only groups, control words, escapes
// and a list of destinations to skip, each bounded here.
import { TextDecoder } from 'node:util';

import { MAX_MARKUP_DEPTH } from './attachment-limits.js';
import { TextCollector } from './xml-text.js';

/** Destinations whose content is not document text (tables, metadata, pictures, field instructions). */
const SKIPPED_DESTINATIONS = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'objdata', 'header', 'headerl', 'headerr',
  'headerf', 'footer', 'footerl', 'footerr', 'footerf', 'listtable', 'listoverridetable', 'rsidtbl', 'generator',
  'xmlnsdecl', 'themedata', 'colorschememapping', 'datastore', 'latentstyles', 'pgdsctbl', 'filetbl', 'revtbl',
  'fldinst', 'datafield', 'bkmkstart', 'bkmkend', 'mmathpr', 'wgrffmtfilter', 'userprops', 'docvar', 'panose',
  'falt', 'nonshppict', 'shppict', 'shpinst', 'sp', 'sn', 'sv', 'template', 'operator', 'author', 'title',
]);

/** Control words that stand for a character or a break. */
const CONTROL_WORD_TEXT: Record<string, string> = {
  par: '\n', line: '\n', sect: '\n', page: '\n', row: '\n', cell: '\t', tab: '\t', emdash: '\u2014',
  endash: '\u2013', bullet: '\u2022', lquote: '\u2018', rquote: '\u2019', ldblquote: '\u201c', rdblquote: '\u201d',
  emspace: ' ', enspace: ' ', qmspace: ' ',
};

/** Windows code pages that TextDecoder supports under another name. */
const CODE_PAGE_LABELS: Record<number, string> = {
  437: 'ibm866', 932: 'shift_jis', 936: 'gbk', 949: 'euc-kr', 950: 'big5', 10000: 'macintosh', 65001: 'utf-8',
  20866: 'koi8-r', 28591: 'iso-8859-1', 28592: 'iso-8859-2', 28595: 'iso-8859-5',
};

function decoderForCodePage(codePage: number): TextDecoder {
  // Code page 437 has no WHATWG decoder; its letters differ from Windows-1252 only above 0x7F.
  const label = codePage === 437 ? 'windows-1252' : (CODE_PAGE_LABELS[codePage] ?? `windows-${codePage}`);
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('windows-1252');
  }
}

interface GroupState {
  isSkipped: boolean;
  unicodeSkip: number;
}

/**
 * Returns the text of an RTF document, with paragraphs as line breaks and table cells as tabs. Throws an Error for
 * groups nested deeper than MAX_MARKUP_DEPTH. Stops at maxChars and reports truncation.
 */
export function extractRtfText(data: Buffer, maxChars: number): { text: string; truncated: boolean } {
  const source = data.toString('latin1');
  const collector = new TextCollector(maxChars);
  const stack: GroupState[] = [];
  let state: GroupState = { isSkipped: false, unicodeSkip: 1 };
  let decoder = new TextDecoder('windows-1252');
  let pendingBytes: number[] = [];
  let pendingUnits: number[] = [];
  // Fallback characters still to drop after a \uN escape.
  let toSkip = 0;
  let isDestinationStart = false;

  const flush = (): void => {
    if (pendingBytes.length > 0) {
      if (!state.isSkipped) collector.add(decoder.decode(Buffer.from(pendingBytes)));
      pendingBytes = [];
    }
    if (pendingUnits.length > 0) {
      if (!state.isSkipped) collector.add(String.fromCharCode(...pendingUnits));
      pendingUnits = [];
    }
  };
  const emit = (text: string): void => {
    flush();
    if (!state.isSkipped) collector.add(text);
  };

  let i = 0;
  while (i < source.length && !collector.truncated) {
    const char = source[i] ?? '';

    if (char === '{') {
      flush();
      stack.push(state);
      if (stack.length > MAX_MARKUP_DEPTH) throw new Error(`RTF groups are nested more than ${MAX_MARKUP_DEPTH} deep`);
      state = { ...state };
      isDestinationStart = true;
      toSkip = 0;
      i += 1;
      continue;
    }
    if (char === '}') {
      flush();
      state = stack.pop() ?? state;
      isDestinationStart = false;
      toSkip = 0;
      i += 1;
      continue;
    }
    if (char === '\r' || char === '\n') {
      i += 1;
      continue;
    }

    if (char !== '\\') {
      if (toSkip > 0) toSkip -= 1;
      else if (!state.isSkipped) {
        if (pendingUnits.length > 0) flush();
        pendingBytes.push(char.charCodeAt(0));
      }
      isDestinationStart = false;
      i += 1;
      continue;
    }

    // A control symbol or control word.
    const next = source[i + 1] ?? '';
    if (next === "'") {
      const byte = parseInt(source.slice(i + 2, i + 4), 16);
      i += 4;
      if (toSkip > 0) toSkip -= 1;
      else if (!Number.isNaN(byte) && !state.isSkipped) {
        if (pendingUnits.length > 0) flush();
        pendingBytes.push(byte);
      }
      continue;
    }
    if (next === '*') {
      state.isSkipped = true;
      i += 2;
      continue;
    }
    if (!/[a-zA-Z]/.test(next)) {
      i += 2;
      if (toSkip > 0) {
        toSkip -= 1;
        continue;
      }
      if (next === '\\' || next === '{' || next === '}') emit(next);
      else if (next === '~') emit('\u00a0');
      else if (next === '_') emit('-');
      else if (next === '\n' || next === '\r') emit('\n');
      continue;
    }

    const match = /^([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(source.slice(i + 1, i + 48));
    const word = match?.[1] ?? '';
    const parameter = match?.[2] === undefined ? null : Number(match[2]);
    i += 1 + (match?.[0].length ?? 1);
    const wasDestinationStart = isDestinationStart;
    isDestinationStart = false;

    if (word === 'bin' && parameter !== null && parameter > 0) {
      // \binN is followed by N raw octets that must not be read as RTF.
      i += parameter;
      continue;
    }
    if (toSkip > 0) {
      toSkip -= 1;
      continue;
    }
    if (word === 'u' && parameter !== null) {
      if (pendingBytes.length > 0) flush();
      if (!state.isSkipped) pendingUnits.push(parameter < 0 ? parameter + 0x10000 : parameter & 0xffff);
      toSkip = state.unicodeSkip;
      continue;
    }
    if (word === 'uc' && parameter !== null) {
      state.unicodeSkip = Math.max(0, Math.min(parameter, 16));
      continue;
    }
    if (word === 'ansicpg' && parameter !== null) {
      flush();
      decoder = decoderForCodePage(parameter);
      continue;
    }
    if (word === 'mac') {
      flush();
      decoder = decoderForCodePage(10000);
      continue;
    }
    if (wasDestinationStart && SKIPPED_DESTINATIONS.has(word.toLowerCase())) {
      flush();
      state.isSkipped = true;
      continue;
    }
    const text = CONTROL_WORD_TEXT[word];
    if (text !== undefined) emit(text);
  }

  flush();
  return { text: collector.toString(), truncated: collector.truncated };
}
