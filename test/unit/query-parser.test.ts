import { describe, expect, it } from 'vitest';

import { MailcaseError } from '../../shared/errors.js';
import { explainQuery, parseQuery } from '../../shared/query-parser.js';

function syntaxErrorOf(query: string): MailcaseError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof MailcaseError) return error;
    throw error;
  }
  throw new Error(`"${query}" parsed without an error`);
}

describe('parseQuery', () => {
  it('parses a bare word', () => {
    expect(parseQuery('falcon')).toEqual({ kind: 'term', field: null, text: 'falcon', wildcard: false, fuzzy: 0, start: 0, end: 6 });
  });

  it('lower-cases words', () => {
    expect(parseQuery('Falcon')).toMatchObject({ kind: 'term', text: 'falcon' });
  });

  it('joins words with AND by default', () => {
    expect(parseQuery('falcon pricing')).toEqual({
      kind: 'and',
      start: 0,
      end: 14,
      children: [
        { kind: 'term', field: null, text: 'falcon', wildcard: false, fuzzy: 0, start: 0, end: 6 },
        { kind: 'term', field: null, text: 'pricing', wildcard: false, fuzzy: 0, start: 7, end: 14 },
      ],
    });
  });

  it('reads an explicit AND like the default', () => {
    expect(parseQuery('falcon AND pricing')).toMatchObject({ kind: 'and', children: [{ text: 'falcon' }, { text: 'pricing' }] });
  });

  it('binds AND tighter than OR', () => {
    expect(parseQuery('a OR b c')).toMatchObject({
      kind: 'or',
      children: [{ kind: 'term', text: 'a' }, { kind: 'and', children: [{ text: 'b' }, { text: 'c' }] }],
    });
  });

  it('groups with parentheses', () => {
    expect(parseQuery('(a OR b) c')).toMatchObject({
      kind: 'and',
      start: 0,
      end: 10,
      children: [{ kind: 'or', start: 0, end: 8, children: [{ text: 'a' }, { text: 'b' }] }, { text: 'c' }],
    });
  });

  it('nests groups', () => {
    expect(parseQuery('NOT (a AND (b OR c))')).toMatchObject({
      kind: 'not',
      child: { kind: 'and', children: [{ text: 'a' }, { kind: 'or', children: [{ text: 'b' }, { text: 'c' }] }] },
    });
  });

  it('negates with NOT', () => {
    expect(parseQuery('NOT falcon')).toEqual({
      kind: 'not',
      start: 0,
      end: 10,
      child: { kind: 'term', field: null, text: 'falcon', wildcard: false, fuzzy: 0, start: 4, end: 10 },
    });
  });

  it('negates with a leading minus', () => {
    expect(parseQuery('-falcon')).toEqual({
      kind: 'not',
      start: 0,
      end: 7,
      child: { kind: 'term', field: null, text: 'falcon', wildcard: false, fuzzy: 0, start: 1, end: 7 },
    });
  });

  it('negates a phrase with a minus', () => {
    expect(parseQuery('-"project x"')).toEqual({
      kind: 'not',
      start: 0,
      end: 12,
      child: { kind: 'phrase', field: null, words: ['project', 'x'], start: 1, end: 12 },
    });
  });

  it('negates a group with a minus', () => {
    expect(parseQuery('a -(b OR c)')).toMatchObject({ kind: 'and', children: [{ text: 'a' }, { kind: 'not', child: { kind: 'or' } }] });
  });

  it('treats a plus as required, the default', () => {
    expect(parseQuery('+falcon')).toMatchObject({ kind: 'term', text: 'falcon' });
  });

  it('keeps lower-case operators as words', () => {
    expect(parseQuery('salt and pepper')).toMatchObject({ kind: 'and', children: [{ text: 'salt' }, { text: 'and' }, { text: 'pepper' }] });
  });

  it('parses a phrase', () => {
    expect(parseQuery('"Project  Falcon"')).toEqual({ kind: 'phrase', field: null, words: ['project', 'falcon'], start: 0, end: 17 });
  });

  it('parses a field phrase', () => {
    expect(parseQuery('subject:"project falcon"')).toEqual({ kind: 'phrase', field: 'subject', words: ['project', 'falcon'], start: 0, end: 24 });
  });

  it('parses a trailing wildcard', () => {
    expect(parseQuery('pric*')).toEqual({ kind: 'term', field: null, text: 'pric', wildcard: true, fuzzy: 0, start: 0, end: 5 });
  });

  it('parses a fuzzy term', () => {
    expect(parseQuery('falcn~1')).toEqual({ kind: 'term', field: null, text: 'falcn', wildcard: false, fuzzy: 1, start: 0, end: 7 });
  });

  it('parses NEAR in either order', () => {
    expect(parseQuery('falcon NEAR/5 pricing')).toEqual({
      kind: 'proximity',
      distance: 5,
      ordered: false,
      start: 0,
      end: 21,
      left: { kind: 'term', field: null, text: 'falcon', wildcard: false, fuzzy: 0, start: 0, end: 6 },
      right: { kind: 'term', field: null, text: 'pricing', wildcard: false, fuzzy: 0, start: 14, end: 21 },
    });
  });

  it('parses ADJ as ordered', () => {
    expect(parseQuery('"project falcon" ADJ/2 pric*')).toMatchObject({
      kind: 'proximity',
      distance: 2,
      ordered: true,
      left: { kind: 'phrase', words: ['project', 'falcon'] },
      right: { kind: 'term', text: 'pric', wildcard: true },
    });
  });

  it('binds NEAR tighter than AND', () => {
    expect(parseQuery('a NEAR/1 b c')).toMatchObject({ kind: 'and', children: [{ kind: 'proximity' }, { kind: 'term', text: 'c' }] });
  });

  it.each([
    ['subject:falcon', { kind: 'term', field: 'subject', text: 'falcon' }],
    ['body:falcon', { kind: 'term', field: 'body', text: 'falcon' }],
    ['attachment:report', { kind: 'term', field: 'attachment', text: 'report' }],
    ['from:Bob@Rival.example', { kind: 'address', field: 'from', value: 'bob@rival.example', wildcard: false }],
    ['to:bob', { kind: 'address', field: 'to', value: 'bob' }],
    ['cc:rival.example', { kind: 'address', field: 'cc', value: 'rival.example' }],
    ['bcc:bo*', { kind: 'address', field: 'bcc', value: 'bo', wildcard: true }],
    ['participant:alice', { kind: 'address', field: 'participant', value: 'alice' }],
    ['domain:@Rival.example', { kind: 'domain', value: 'rival.example' }],
    ['filename:q3-report.pdf', { kind: 'filename', value: 'q3-report.pdf', wildcard: false }],
    ['filetype:.PDF', { kind: 'filetype', value: 'pdf' }],
    ['has:attachment', { kind: 'has-attachment' }],
    ['is:encrypted', { kind: 'is-encrypted' }],
    ['is:flagged', { kind: 'is-flagged' }],
    ['tag:Privileged', { kind: 'tag', value: 'Privileged' }],
    ['size:>1MB', { kind: 'size', operator: '>', bytes: 1048576 }],
    ['size:<=500KB', { kind: 'size', operator: '<=', bytes: 512000 }],
    ['size:2048', { kind: 'size', operator: '=', bytes: 2048 }],
  ])('parses the field condition %s', (query, expected) => {
    expect(parseQuery(query)).toMatchObject(expected);
  });

  it('reads a date range as whole days', () => {
    expect(parseQuery('date:2026-01-01..2026-03-31')).toEqual({
      kind: 'date',
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 3, 1),
      start: 0,
      end: 27,
    });
  });

  it('reads a single day', () => {
    expect(parseQuery('date:2024-03-05')).toMatchObject({ from: Date.UTC(2024, 2, 5), to: Date.UTC(2024, 2, 6) });
  });

  it('reads a month', () => {
    expect(parseQuery('date:2024-02')).toMatchObject({ from: Date.UTC(2024, 1, 1), to: Date.UTC(2024, 2, 1) });
  });

  it('reads an open-ended range', () => {
    expect(parseQuery('date:2024..')).toMatchObject({ from: Date.UTC(2024, 0, 1), to: null });
  });

  it('reads before as exclusive', () => {
    expect(parseQuery('before:2024-03-05')).toMatchObject({ kind: 'date', from: null, to: Date.UTC(2024, 2, 5) });
  });

  it('reads after as inclusive', () => {
    expect(parseQuery('after:2024-03-05')).toMatchObject({ kind: 'date', from: Date.UTC(2024, 2, 5), to: null });
  });

  it('keeps non-Latin words', () => {
    expect(parseQuery('Привет')).toMatchObject({ kind: 'term', text: 'привет' });
  });
});

describe('parseQuery errors', () => {
  it.each([
    ['subject:', { position: 8, start: 8, end: 8, expected: 'a value after subject:' }],
    ['nofield:x', { position: 0, start: 0, end: 7 }],
    ['"falcon pricing', { position: 0, start: 0, end: 1, expected: 'a closing quote (") for this phrase' }],
    ['falcon~5', { position: 6, start: 6, end: 8, expected: 'a fuzzy edit distance of at most 2' }],
    ['foo~x', { position: 3, start: 3, end: 5, expected: 'one digit after ~, as in falcn~1' }],
    ['(falcon', { position: 0, start: 0, end: 1, expected: 'a closing ")" for this "("' }],
    ['falcon)', { position: 6, start: 6, end: 7, expected: 'a search term or operator' }],
    ['()', { position: 1, start: 1, end: 2, expected: 'a search term inside the parentheses' }],
    ['falcon OR', { position: 9, start: 9, end: 9, expected: 'a search term' }],
    ['NOT', { position: 3, start: 3, end: 3, expected: 'a search term' }],
    ['OR falcon', { position: 0, start: 0, end: 2, expected: 'a search term' }],
    ['falcon NEAR/x pricing', { position: 12, start: 12, end: 13, expected: 'a number of words, as in NEAR/5' }],
    ['falcon NEAR/500 pricing', { position: 12, start: 12, end: 15, expected: 'a distance of at most 100 words' }],
    ['from:bob NEAR/2 pricing', { position: 0, start: 0, end: 8, expected: 'a word or phrase before NEAR' }],
    ['fal*con', { position: 3, start: 3, end: 4, expected: 'a wildcard (*) only at the end of a word' }],
    ['has:pictures', { position: 4, start: 4, end: 12, expected: 'has:attachment' }],
    ['is:read', { position: 3, start: 3, end: 7, expected: 'is:encrypted or is:flagged' }],
    ['date:2024-13-01', { position: 5, start: 5, end: 15, expected: 'a date as YYYY-MM-DD, YYYY-MM or YYYY' }],
    ['date:2024-02-30', { position: 5, start: 5, end: 15, expected: 'a date as YYYY-MM-DD, YYYY-MM or YYYY' }],
    ['date:2025..2024', { position: 5, start: 5, end: 15, expected: 'a start date before the end date' }],
    ['size:huge', { position: 5, start: 5, end: 9, expected: 'a size such as >1MB, <=500KB or 2048 (units B, KB, MB, GB)' }],
    ['a "" b', { position: 2, start: 2, end: 4, expected: 'words inside the quotes' }],
  ])('reports the position for %s', (query, details) => {
    const error = syntaxErrorOf(query);

    expect(error.code).toBe('QUERY_SYNTAX');
    expect(error.details).toMatchObject(details);
  });

  it('says what was expected and found', () => {
    const error = syntaxErrorOf('subject:');

    expect(error.message).toBe('Invalid search query at character 9: expected a value after subject:, found nothing');
  });

  it('names the unknown field', () => {
    const error = syntaxErrorOf('nofield:x');

    expect(error.message).toMatch(/^Invalid search query at character 1: expected a field name \(subject, body, .*\), found "nofield"$/);
  });

  it('rejects a query over the length limit', () => {
    expect(syntaxErrorOf('a '.repeat(1001)).details).toMatchObject({ position: 2000 });
  });

  it('rejects too many conditions', () => {
    expect(syntaxErrorOf('a '.repeat(101)).message).toBe('Invalid search query at character 1: expected at most 100 conditions, found 101 conditions');
  });
});

describe('explainQuery', () => {
  it('describes a nested query in words', () => {
    const tree = parseQuery('(falcon OR "project x") -from:bob@rival.example date:2024-01..2024-03 falcn~1 a NEAR/3 b');

    expect(explainQuery(tree)).toBe(
      [
        'ALL of:',
        '  ANY of:',
        '    word "falcon" (or its stem) in subject, body, attachments or names',
        '    phrase "project x" in subject, body, attachments or names',
        '  NOT:',
        '    from address is, or has the part or name word, "bob@rival.example"',
        '  dated from 2024-01-01 up to, not including, 2024-04-01 (UTC)',
        '  a word within 1 edit of "falcn" in subject, body, attachments or names',
        '  word "a" (or its stem) within 3 words of word "b" (or its stem), in either order, in subject, body, attachments or names',
      ].join('\n'),
    );
  });

  it('describes filters', () => {
    expect(explainQuery(parseQuery('has:attachment is:encrypted size:>1KB'))).toBe(
      ['ALL of:', '  has at least one attachment', '  has encrypted content', '  size > 1024 bytes'].join('\n'),
    );
  });
});
