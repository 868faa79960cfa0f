// Compiles the real parse worker for tests that run worker threads from TypeScript sources, where no compiled
// worker exists. The output sits below node_modules/.cache, so the worker resolves the project's packages.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A compiled parse worker: its URL, and the folder to remove afterwards. */
export interface ParseWorkerBuild {
  workerUrl: URL;
  buildDir: string;
}

/** Compiles electron/parsing/parse-worker.ts into a new folder below node_modules/.cache/`cacheName`. */
export async function buildParseWorker(cacheName: string): Promise<ParseWorkerBuild> {
  const root = path.resolve('node_modules/.cache', cacheName);
  await fs.mkdir(root, { recursive: true });
  const buildDir = await fs.mkdtemp(path.join(root, 'build-'));
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  const args = [
    tsc,
    '--outDir', buildDir,
    '--rootDir', '.',
    '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext',
    '--target', 'ES2022',
    '--skipLibCheck',
    '--esModuleInterop',
    '--resolveJsonModule',
    '--types', 'node',
    'electron/parsing/parse-worker.ts',
  ];
  // Type errors in files still being written elsewhere do not stop tsc from emitting JavaScript.
  await run(process.execPath, args).catch(() => undefined);
  await fs.writeFile(path.join(buildDir, 'package.json'), '{"type":"module"}\n');
  return { workerUrl: pathToFileURL(path.join(buildDir, 'electron/parsing/parse-worker.js')), buildDir };
}
