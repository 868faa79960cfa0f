// Checks that examples in README.md still work, so the documentation cannot drift from the code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { parseRuleFile } from '../../electron/rules/run-rules.js';
import { parseQuery } from '../../shared/query-parser.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** Returns the first fenced block of the given language after a heading. */
function blockAfter(heading: string, language: string): string {
  const start = README.indexOf(heading);
  if (start === -1) throw new Error(`README has no heading ${heading}`);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(README.slice(start));
  if (!match?.[1]) throw new Error(`README has no ${language} block after ${heading}`);
  return match[1];
}

/** Returns the code spans of the first column of the table after a heading. */
function queriesInTableAfter(heading: string): string[] {
  const start = README.indexOf(heading);
  const table = README.slice(start).split('\n\n')[1] ?? '';
  const rows = table.split('\n').slice(2);
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''));
}

describe('README examples', () => {
  it('gives search examples that parse', () => {
    const queries = queriesInTableAfter('### Search language').filter((query) => !query.endsWith(':'));

    expect(queries.length).toBeGreaterThan(15);
    for (const query of queries) expect(() => parseQuery(query), query).not.toThrow();
  });

  it('gives a rule pack that parses', () => {
    const pack = parseRuleFile(blockAfter('### Rule packs', 'json'));

    expect(pack.rules.map((rule) => rule.id)).toEqual(['competitor-attachments', 'codewords']);
  });
});
