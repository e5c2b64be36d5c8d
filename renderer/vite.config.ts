// This file runs in Node (Vite's config), not in the renderer: the no-Node rule does not apply.
// eslint-disable-next-line no-restricted-imports
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The page's entry (main.ts) imports the start and the workstation (Cornerstone3D, the panels)
 * dynamically, so that the start runs while the workstation loads. Preloading their chunks from
 * index.html starts the downloads with the page's own, as static imports would, not after the
 * entry has run.
 */
function preloadDynamicImports(): Plugin {
  return {
    name: 'preload-dynamic-imports',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const { bundle, chunk: entry } = context;
        if (!bundle || !entry || !context.filename.endsWith(`${root}index.html`)) return html;
        const files = new Set(
          entry.dynamicImports.flatMap((file) => {
            const chunk = bundle[file];
            return chunk?.type === 'chunk' ? [file, ...chunk.imports] : [];
          }),
        );
        if (files.size === 0) throw new Error('index.html: the entry imports nothing dynamically');
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` },
          injectTo: 'head',
        }));
      },
    },
  };
}

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
  plugins: [preloadDynamicImports()],
  worker: { format: 'es' },
  optimizeDeps: {
    include: ['comlink'],
  },
});
