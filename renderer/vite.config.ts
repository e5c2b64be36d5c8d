// This file runs in Node (Vite's config), not in the renderer: the no-Node rule does not apply.
// eslint-disable-next-line no-restricted-imports
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The renderer is a static bundle: the browser host and the Electron protocol handler both serve
 * build/renderer as it is, so every URL in it is relative (`base: './'`). Cornerstone3D 5.x needs
 * its web workers bundled as ES modules and a few CommonJS dependencies pre-bundled in dev.
 */
export default defineConfig({
  root,
  base: './',
  build: {
    outDir: '../build/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      // bench/bare.html: the bare Cornerstone3D page `npm run bench -- ui` compares against
      input: { main: `${root}index.html`, bare: `${root}bench/bare.html` },
    },
  },
  worker: { format: 'es' },
  optimizeDeps: {
    include: ['comlink'],
  },
});
