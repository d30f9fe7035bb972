import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Built into dist/console, which the platform (and the audit app) serve at /console/.
// `npm run dev:console` proxies the API to a platform on RX_CONSOLE_API (default :3000).
export default defineConfig({
  root: here,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Fonts are served from this origin, never fetched from a CDN; no inline base64 for them.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rollupOptions: {
      // Mantine marks its modules "use client" for React Server Components; meaningless in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    proxy: Object.fromEntries(
      ['/prescriptions', '/dispensing', '/settlement', '/audit', '/console/api', '/health'].map((p) => [p, process.env.RX_CONSOLE_API ?? 'http://127.0.0.1:3000']),
    ),
  },
});
