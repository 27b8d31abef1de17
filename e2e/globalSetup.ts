// The suite tests the built app; it does not build it (the build is a separate, cacheable step).
import { existsSync } from 'node:fs';

export default function globalSetup(): void {
  if (!existsSync('dist/web/index.html') || !existsSync('dist/web/sw.js')) {
    throw new Error('dist/web has no built app: run `npx vite build` before `npx playwright test`.');
  }
}
