#!/usr/bin/env node
// Entry point of the mailcase command; the TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/electron/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('mailcase: the compiled CLI is missing. Run "npm run build" in the Mailcase folder first.\n');
  process.exit(2);
}

const { main } = await import(entry.href);
await main();
