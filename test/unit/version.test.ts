import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { APP_VERSION } from '../../shared/version.js';

describe('APP_VERSION', () => {
  it('equals the package.json version', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

    expect(APP_VERSION).toBe(manifest.version);
  });
});
