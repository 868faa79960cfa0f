// What a bundle of part of a case carries: the custody entries, transcripts, rule hits and review state of the
// selected messages, and nothing about the messages left out.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportBundle } from '../../electron/bundle/export-bundle.js';
import { verifyBundle } from '../../electron/bundle/verify-bundle.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { createTestCase, MESSAGES, readZip, TEST_PASSPHRASE, type TestCase } from './bundle-helpers.js';

let root: string;
let testCase: TestCase;
let members: Map<string, Buffer>;
let selected: string[];
let unselected: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bundle-payload-'));
  testCase = await createTestCase(path.join(root, 'case'));
  selected = testCase.hashes.slice(0, 3);
  unselected = testCase.hashes[3] ?? '';
  const outFile = path.join(root, 'bundle.zip');
  await exportBundle({
    store: testCase.store,
    outFile,
    sha256s: selected,
    configDir: path.join(root, 'config'),
    keyPassphrase: TEST_PASSPHRASE,
    includeMbox: true,
    baggingDate: '2026-03-10',
  });
  members = await readZip(outFile);
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function text(name: string): string {
  const data = members.get(name);
  if (!data) throw new Error(`bundle has no member ${name}`);
  return data.toString('utf8');
}

function custodyEntries(): { seq: number; type: string; data: Record<string, unknown> }[] {
  return text('bag/data/custody/custody-log.jsonl')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { seq: number; type: string; data: Record<string, unknown> });
}

describe('bundle payload of a selection', () => {
  it('bundles the custody entries of the run and the selected messages', () => {
    expect(custodyEntries().map((entry) => entry.type)).toEqual([
      'case-created',
      'acquisition-started',
      'message-acquired',
      'message-acquired',
      'message-acquired',
      'acquisition-finished',
      'rules-run',
      'review-tag-added',
      'review-note-added',
    ]);
  });

  it('keeps custody lines verbatim from the case log', async () => {
    const caseLines = new Set((await fs.readFile(testCase.store.custodyLog.filePath, 'utf8')).split('\n'));

    for (const line of text('bag/data/custody/custody-log.jsonl').trimEnd().split('\n')) {
      expect(caseLines.has(line), line.slice(0, 80)).toBe(true);
    }
  });

  it('names the unselected message in no payload file', () => {
    for (const [name, data] of members) {
      if (name.startsWith('bag/data/')) expect(data.includes(unselected), name).toBe(false);
    }
  });

  it('leaves out hits and tags of the unselected message', () => {
    const payload = [...members].filter(([name]) => name.startsWith('bag/data/')).map(([, data]) => data.toString('utf8')).join('\n');

    expect(payload).not.toContain('secret of the unselected message');
    expect(payload).not.toContain('unselected-tag');
  });

  it('bundles the transcript the custody log names', () => {
    expect(text(`bag/data/${testCase.transcriptFile}`)).toBe('C USER bob\nS +OK\nC PASS [redacted]\nS +OK\n');
  });

  it('bundles the review state of the selected messages', () => {
    const review = JSON.parse(text('bag/data/review/review-states.json')) as { states: { sha256: string; tags: string[]; notes: { text: string }[] }[] };

    expect(review.states.map((state) => [state.sha256, state.tags, state.notes.map((note) => note.text)])).toEqual(
      [
        [testCase.hashes[0], ['privileged'], []],
        [testCase.hashes[1], [], ['Sent to a competitor <b>before</b> the bid']],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('states source mailbox and acquisition period in bag-info.txt', () => {
    const bagInfo = text('bag/bag-info.txt');

    expect(bagInfo).toContain('\nSource-Mailbox: bob@127.0.0.1:995\n');
    expect(bagInfo.startsWith('Acquisition-Period: 2026-03-01T10:00:00.000Z/2026-03-03T10:00:01.000Z\n')).toBe(true);
  });

  it('lists rule hits in the load file', () => {
    const loadFile = JSON.parse(text('bag/data/loadfile.json')) as { messages: { sha256: string; hits: string[]; tags: string[] }[] };
    const bySha = new Map(loadFile.messages.map((row) => [row.sha256, row]));

    expect(bySha.get(testCase.hashes[0] ?? '')?.hits).toEqual(['pricing (Pricing words)']);
    expect(bySha.get(testCase.hashes[1] ?? '')?.hits).toEqual(['competitors (Mail with competitors)']);
    expect(bySha.get(testCase.hashes[2] ?? '')?.hits).toEqual([]);
  });

  it('escapes the hostile subject in the report', () => {
    const report = text('bag/data/report.html');

    expect(report).not.toContain('<script>alert(1)</script>');
    expect(report).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
  });

  it('writes each selected message into the mbox with From lines quoted', () => {
    const mbox = text('bag/data/messages.mbox');

    expect(mbox.match(/^From MAILER-DAEMON /gm)?.length).toBe(3);
    expect(mbox).toContain('\r\n>From the desk of Alice.\r\n>>From quoted\r\n');
    expect(mbox).toContain(`From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n${MESSAGES[0]?.toString('utf8').replace(/^(>*From )/gm, '>$1') ?? ''}\n`);
  });
});

describe('bundle payload of imported messages', () => {
  it('bundles the import entries and names the file as source', async () => {
    const store = await CaseStore.create(path.join(root, 'import-case'), 'Import test');
    const importId = 'import-1';
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('Subject: imported\r\n\r\nBody\r\n'));
    const { sha256 } = await writer.commit();
    await store.custodyLog.append('import-started', { importId, files: 1 });
    await store.custodyLog.append('message-imported', {
      importId,
      path: '/evidence/export.mbox',
      fileSha256: 'c'.repeat(64),
      byteStart: 0,
      byteEnd: 27,
      format: 'mboxrd',
      sha256,
      isNew: true,
    });
    await store.custodyLog.append('import-finished', { importId, files: 1, messages: 1, newCount: 1, duplicates: 0 });
    const outFile = path.join(root, 'imported.zip');

    await exportBundle({ store, outFile, configDir: path.join(root, 'config'), keyPassphrase: TEST_PASSPHRASE });

    const imported = await readZip(outFile);
    const types = (imported.get('bag/data/custody/custody-log.jsonl')?.toString('utf8') ?? '')
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).toEqual(['case-created', 'import-started', 'message-imported', 'import-finished']);
    expect(imported.get('bag/bag-info.txt')?.toString('utf8')).toContain('\nSource-Mailbox: file /evidence/export.mbox\n');
    expect((await verifyBundle(outFile)).problems).toEqual([]);
  });
});
