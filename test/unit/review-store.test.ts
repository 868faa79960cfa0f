// Checks that reviewer tags, flags and notes are custody entries and replay into the right state.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { addNote, addTag, addTags, loadReviewStates, removeTag, setFlagged } from '../../electron/review/review-store.js';

async function storeMessage(store: CaseStore, text: string): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(Buffer.from(text));
  return (await writer.commit()).sha256;
}

describe('review store', () => {
  let dir: string;
  let store: CaseStore;
  let sha256: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-review-'));
    store = await CaseStore.create(path.join(dir, 'case'), 'Review');
    sha256 = await storeMessage(store, 'Subject: one\r\n\r\nbody\r\n');
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('replays tags, flag and notes from the custody log', async () => {
    await addTag(store, sha256, 'competitor');
    await addTag(store, sha256, 'attachment');
    await removeTag(store, sha256, 'competitor');
    await setFlagged(store, sha256, true);
    await addNote(store, sha256, '  Sent the price list.  ');

    const state = (await loadReviewStates(store)).get(sha256);

    expect(state?.tags).toEqual(['attachment']);
    expect(state?.flagged).toBe(true);
    expect(state?.notes.map((note) => note.text)).toEqual(['Sent the price list.']);
  });

  it('logs only real changes', async () => {
    await addTag(store, sha256, 'competitor');
    await addTag(store, sha256, 'competitor');
    await removeTag(store, sha256, 'absent');
    await setFlagged(store, sha256, false);

    const types = (await store.custodyLog.readAll()).map((entry) => entry.type);

    expect(types).toEqual(['case-created', 'review-tag-added']);
  });

  it('keeps the custody chain valid across review entries', async () => {
    await addTag(store, sha256, 'competitor');
    await addNote(store, sha256, 'First look');

    expect(await store.custodyLog.verifyChain()).toEqual([]);
  });

  it('refuses a message the case does not hold', async () => {
    await expect(addTag(store, 'f'.repeat(64), 'x')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it('refuses a tag with a line break', async () => {
    await expect(addTag(store, sha256, 'a\nb')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses an empty note', async () => {
    await expect(addNote(store, sha256, '   ')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('adds tags in one batch, skipping present ones', async () => {
    const other = await storeMessage(store, 'Subject: two\r\n\r\nbody\r\n');
    await addTag(store, sha256, 'competitor');

    const added = await addTags(store, [
      { sha256, tag: 'competitor' },
      { sha256, tag: 'pii' },
      { sha256: other, tag: 'pii' },
      { sha256: other, tag: 'pii' },
    ]);
    const states = await loadReviewStates(store);

    expect(added).toBe(2);
    expect(states.get(sha256)?.tags).toEqual(['competitor', 'pii']);
    expect(states.get(other)?.tags).toEqual(['pii']);
  });

  it('returns no state for a message nobody reviewed', async () => {
    expect((await loadReviewStates(store)).size).toBe(0);
  });
});
