// The built PWA from STATIC_DIR: content types, caching fit for hashed assets, index.html for app
// routes, and nothing outside the directory (no traversal, no dotfiles).
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

export type StaticResult = { readonly status: 200; readonly file: StaticFile } | { readonly status: 400 | 404 };

/** Vite-style content-hashed names ("index-3f2a9c1b.js", "app.a1b2c3d4e5.css") never change. */
const HASHED = /[.-][0-9a-zA-Z_]{8,}\.[a-z0-9]+$/;

function cacheControlFor(urlPath: string): string {
  const ext = extname(urlPath);
  if (ext === '.html' || urlPath.endsWith('/sw.js') || ext === '.webmanifest') return 'no-cache';
  if (urlPath.startsWith('/assets/') || HASHED.test(urlPath)) return 'public, max-age=31536000, immutable';
  return 'public, max-age=3600';
}

export class StaticFiles {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async lookup(rawUrl: string): Promise<StaticResult> {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(rawUrl);
    } catch {
      return { status: 400 };
    }
    if (urlPath.includes('\0') || urlPath.includes('\\')) return { status: 400 };
    const segments = urlPath.split('/').filter((s) => s !== '');
    // "..", "." and dotfiles (.env, .git) are never served.
    if (segments.some((s) => s.startsWith('.'))) return { status: 404 };
    if (urlPath.endsWith('/') || segments.length === 0) segments.push('index.html');
    const path = '/' + segments.join('/');
    const file = await this.read(path);
    if (file) return { status: 200, file };
    // An app route (no extension) gets the shell; a missing asset is a plain 404.
    if (extname(path) === '') {
      const shell = await this.read('/index.html');
      if (shell) return { status: 200, file: shell };
    }
    return { status: 404 };
  }

  private async read(urlPath: string): Promise<StaticFile | undefined> {
    const full = resolve(this.root, '.' + urlPath);
    if (full !== this.root && !full.startsWith(this.root + sep)) return undefined;
    try {
      const st = await stat(full);
      if (!st.isFile()) return undefined;
      const body = await readFile(full);
      return { body, contentType: TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream', cacheControl: cacheControlFor(urlPath) };
    } catch {
      return undefined;
    }
  }
}
