// Checks the renderer's display helpers that defend against deceptive text.
import { describe, expect, it } from 'vitest';

import { showControls } from '../../renderer/src/format.js';

describe('showControls', () => {
  it('marks a right-to-left override in a file name', () => {
    expect(showControls('invoice\u202efdp.exe')).toBe('invoice[U+202E]fdp.exe');
  });

  it('marks every bidirectional isolate and mark', () => {
    expect(showControls('\u2066a\u2069\u200eb\u200f')).toBe('[U+2066]a[U+2069][U+200E]b[U+200F]');
  });

  it('leaves ordinary right-to-left text alone', () => {
    expect(showControls('שלום مرحبا')).toBe('שלום مرحبا');
  });
});
