// Shared fixtures of the bundle integration tests: a case with acquired, reviewed and rule-hit messages, a
// zip reader, and an RFC 3161 time-stamping authority on loopback built from `openssl ts -reply`.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import yauzl from 'yauzl';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { addNote, addTag } from '../../electron/review/review-store.js';
import { createAddress, createEmptyRecord } from '../../shared/types.js';

export const run = promisify(execFile);

/** Passphrase of the signing key in every bundle test. */
export const TEST_PASSPHRASE = 'correct horse battery staple';

export const MESSAGES = [
  'From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: Pricing\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\nFrom the desk of Alice.\r\n>From quoted\r\n',
  'From: mallory@rival.example\r\nTo: bob@example.org\r\nSubject: <script>alert(1)</script> & "quotes"\r\n\r\nHostile subject.\r\n',
  'Subject: =cmd|calc\r\n\r\nNo final line break',
  'From: other@example.org\r\nSubject: Not selected\r\n\r\nThis message stays out of the bundle.\r\n',
].map((text) => Buffer.from(text, 'utf8'));

export interface TestCase {
  store: CaseStore;
  /** SHA-256 of MESSAGES in order. */
  hashes: string[];
  runId: string;
  transcriptFile: string;
}

/**
 * Creates a case holding MESSAGES, acquired in one run with a transcript, with records, a rule run that
 * hits the first two messages and the unselected fourth, and reviewer tags and notes.
 */
export async function createTestCase(dir: string): Promise<TestCase> {
  const store = await CaseStore.create(dir, 'Bundle test');
  const runId = randomUUID();
  const transcriptFile = store.transcriptFile(runId);
  await fs.mkdir(path.join(store.dir, path.dirname(transcriptFile)), { recursive: true });
  const transcript = Buffer.from('C USER bob\nS +OK\nC PASS [redacted]\nS +OK\n', 'utf8');
  await fs.writeFile(path.join(store.dir, transcriptFile), transcript);
  const transcriptSha256 = createHash('sha256').update(transcript).digest('hex');

  await store.custodyLog.append('acquisition-started', { runId, host: '127.0.0.1', port: 995, security: 'tls', user: 'bob' });
  const hashes: string[] = [];
  for (const [index, octets] of MESSAGES.entries()) {
    const writer = await store.createEvidenceWriter();
    await writer.write(octets);
    const { sha256, size } = await writer.commit();
    hashes.push(sha256);
    await store.custodyLog.append('message-acquired', {
      runId,
      host: '127.0.0.1',
      port: 995,
      user: 'bob',
      uidl: `uidl-${index}`,
      messageNumber: index + 1,
      listSize: size,
      receivedSize: size,
      sha256,
      isNew: true,
      startedAt: `2026-03-0${index + 1}T10:00:00.000Z`,
      finishedAt: `2026-03-0${index + 1}T10:00:01.000Z`,
    });

    const record = createEmptyRecord(sha256, size);
    const subject = /Subject: (.*)\r\n/.exec(octets.toString('utf8'))?.[1] ?? '';
    record.subject = subject;
    record.from = [createAddress(index === 0 ? 'Alice' : '', index === 1 ? 'mallory@rival.example' : 'alice@example.org')];
    record.to = [createAddress('', 'bob@example.org')];
    record.date = index === 0 ? '2026-03-02T10:00:00.000Z' : null;
    await store.saveRecord(record);
  }
  await store.custodyLog.append('acquisition-finished', {
    runId,
    serverMessageCount: MESSAGES.length,
    newCount: MESSAGES.length,
    alreadyHeld: 0,
    transcript: { file: transcriptFile, sha256: transcriptSha256 },
  });

  const [first, second, , fourth] = hashes as [string, string, string, string];
  const ruleRun = {
    schemaVersion: 1,
    appVersion: '0.1.0',
    ranAt: '2026-03-05T00:00:00.000Z',
    rulesSha256: 'a'.repeat(64),
    rules: [
      {
        id: 'competitors',
        name: 'Mail with competitors',
        type: 'domain-list',
        hits: 2,
        messages: [second, fourth],
        details: [
          { sha256: second, matches: [{ field: 'from', value: 'mallory@rival.example', entry: 'rival.example' }] },
          { sha256: fourth, matches: [{ field: 'subject', value: 'secret of the unselected message', entry: 'secret' }] },
        ],
      },
      { id: 'pricing', name: 'Pricing words', type: 'keyword-list', hits: 1, messages: [first], details: [{ sha256: first, matches: [] }] },
    ],
  };
  const ruleRunText = JSON.stringify(ruleRun);
  await fs.writeFile(store.derivedPath('rules', 'latest.json'), ruleRunText);
  await store.custodyLog.append('rules-run', {
    rulesSha256: ruleRun.rulesSha256,
    recordSha256: createHash('sha256').update(ruleRunText).digest('hex'),
    ruleCount: 2,
    hitCount: 3,
  });

  await addTag(store, first, 'privileged');
  await addNote(store, second, 'Sent to a competitor <b>before</b> the bid');
  await addTag(store, fourth, 'unselected-tag');
  return { store, hashes, runId, transcriptFile };
}

/** Reads every member of a zip into memory, in archive order. */
export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const members = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    members.set(entry.fileName, Buffer.concat(chunks));
  }
  zip.close();
  return members;
}

export interface TestTsa {
  url: string;
  /** PEM of the CA that issued the TSA certificate. */
  caFile: string;
  stop(): Promise<void>;
}

/**
 * Starts a time-stamping authority on 127.0.0.1: a CA and a TSA certificate made with openssl in `dir`, and
 * an HTTP server that replies to each request with `openssl ts -reply`.
 */
export async function startTestTsa(dir: string): Promise<TestTsa> {
  await fs.mkdir(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);

  await fs.writeFile(file('tsa-ext.cnf'), 'extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,digitalSignature\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Mailcase Test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('tsa.key'), '-out', file('tsa.csr'), '-subj', '/CN=Mailcase Test TSA']);
  await run('openssl', [
    'x509', '-req', '-in', file('tsa.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('tsa.pem'), '-days', '2', '-extfile', file('tsa-ext.cnf'),
  ]);
  await fs.writeFile(file('serial'), '01\n');
  await fs.writeFile(
    file('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = test_tsa',
      '[ test_tsa ]',
      `serial = ${file('serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${file('tsa.pem')}`,
      `signer_key = ${file('tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );

  let counter = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      counter += 1;
      const query = file(`query-${counter}.tsq`);
      const reply = file(`reply-${counter}.tsr`);
      fs.writeFile(query, Buffer.concat(chunks))
        .then(() => run('openssl', ['ts', '-reply', '-config', file('tsa.cnf'), '-queryfile', query, '-out', reply]))
        .then(() => fs.readFile(reply))
        .then((body) => {
          response.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          response.end(body);
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caFile: file('ca.pem'),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
