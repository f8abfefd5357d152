import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Builds the web UI into web/dist, which the control plane serves at `/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  // `vite --config web/vite.config.ts` during development: the API runs on `drydock up`'s port.
  server: { proxy: { '/api': process.env.DRYDOCK_URL ?? 'http://127.0.0.1:7700' } },
});
