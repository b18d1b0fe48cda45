import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * The studio SPA. It imports only types from libs/contracts (erased at build), so no alias is needed at run time;
 * `npm run build:studio` writes dist/apps/studio, which the all-in-one serves at `/`.
 */
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: path.resolve(root, '../../dist/apps/studio'),
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    // livekit-client is one chunk of about 530 KB (137 KB gzipped), loaded only when a web call joins a LiveKit
    // room; the first page's JavaScript has its own budget (scripts/studio-initial-js.mjs).
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `nx serve studio` beside `npm start`: API calls go to the all-in-one.
    proxy: Object.fromEntries(['/voice', '/admin', '/openapi.json'].map((p) => [p, process.env.STUDIO_API ?? 'http://localhost:3000'])),
  },
});
