import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Builds the React renderer into dist/renderer. Relative asset paths let the same build load from
// Electron's file protocol and from the browser review server.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
  },
});
