// The PWA build: web/ → dist/web, served by the relay (STATIC_DIR) under a strict CSP
// (script-src 'self'; style-src 'self'): no inline script or style is emitted, the service worker
// is registered from app code (web/src/models/update.ts), not from an injected inline snippet.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const root = fileURLToPath(new URL('./web', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));

/**
 * The service worker's push handler (web/sw/push.ts) opens E2E boxes, so it needs the protocol and
 * SDK code: bundled here on its own as a classic script (importScripts cannot load a module).
 */
function swPush(): Plugin {
  return {
    name: 'sw-push',
    apply: 'build',
    async generateBundle() {
      const { rolldown } = await import('rolldown');
      const bundle = await rolldown({ input: fileURLToPath(new URL('./web/sw/push.ts', import.meta.url)), platform: 'browser' });
      const { output } = await bundle.generate({ format: 'iife', minify: true });
      await bundle.close();
      this.emitFile({ type: 'asset', fileName: 'sw-push.js', source: output[0].code });
    },
  };
}

export const THEME_LIGHT = '#ffffff';
export const THEME_DARK = '#0f1418';

export default defineConfig({
  root,
  publicDir: 'public',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The app shell is small; everything below this is inlined as data: URIs, which CSP allows for images only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The heavy crypto (curves, ciphers, hashes, the BIP-39 word list): one chunk, loaded with
            // the SDK after first paint, content-hashed so it is downloaded once and then cached.
            { name: 'crypto', test: /node_modules[\\/]@(noble|scure)[\\/]/, priority: 20 },
            // The QR encoder: imported by QrCode when it first draws a code, never at start.
            { name: 'qr', test: /node_modules[\\/]uqr[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
  plugins: [
    preact(),
    swPush(),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        id: '/',
        name: 'Session Messenger',
        short_name: 'Session',
        description: 'Private one-to-one messages. No phone number, no e-mail: just a Session ID.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: THEME_LIGHT,
        background_color: THEME_LIGHT,
        categories: ['social', 'communication'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Versioned precache of the app shell; outdated precaches are deleted on activate.
        cacheId: `session-messenger-v${pkg.version}`,
        cleanupOutdatedCaches: true,
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/(ws|health|stats|metrics)(\/|$)/],
        // 'prompt': a new version waits until the user says so (an explicit SKIP_WAITING message).
        skipWaiting: false,
        clientsClaim: true,
        // Notification clicks focus (or open) the app on the right chat; pushes become notifications.
        importScripts: ['/sw-notifications.js', '/sw-push.js'],
        sourcemap: false,
      },
    }),
  ],
});
