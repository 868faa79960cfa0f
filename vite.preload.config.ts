import { defineConfig } from 'vite';

// Bundles the preload script as CommonJS: Electron loads sandboxed preloads only in that format.
export default defineConfig({
  build: {
    outDir: 'dist/electron',
    emptyOutDir: false,
    sourcemap: true,
    lib: {
      entry: 'electron/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: {
      external: ['electron'],
    },
  },
});
