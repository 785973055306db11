// The web UI's build (issue 16): Preact's JSX through esbuild (no Babel preset), one
// hashed bundle under dist/assets/, no inline script or style so the daemon's CSP holds.
// `npm run dev` proxies /v1 to a local rolodeskd (make run's port).
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
