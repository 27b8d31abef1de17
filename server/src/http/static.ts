// The built PWA from STATIC_DIR: content types, caching fit for hashed assets, index.html for app
// routes, Brotli/gzip for text, and nothing outside the directory (no traversal, no dotfiles).
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { encodeBoth, isCompressible, MIN_COMPRESS_BYTES, negotiate, type Coding, type Encoded } from './contentEncoding.ts';

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
  /** The bytes to send: compressed when `encoding` is set. */
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly encoding?: Coding;
  /** The answer depends on Accept-Encoding, so caches must key on it. */
  readonly vary: boolean;
}

/** One file as last read from disk; a changed mtime or size reads it again (a rebuild). */
interface Cached {
  readonly mtimeMs: number;
  readonly size: number;
  readonly body: Buffer;
  readonly contentType: string;
  readonly encoded: Promise<Encoded> | undefined;
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
  private readonly cache = new Map<string, Cached>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async lookup(rawUrl: string, acceptEncoding = ''): Promise<StaticResult> {
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
    const file = await this.read(path, acceptEncoding);
    if (file) return { status: 200, file };
    // An app route (no extension) gets the shell; a missing asset is a plain 404.
    if (extname(path) === '') {
      const shell = await this.read('/index.html', acceptEncoding);
      if (shell) return { status: 200, file: shell };
    }
    return { status: 404 };
  }

  private async read(urlPath: string, acceptEncoding: string): Promise<StaticFile | undefined> {
    const full = resolve(this.root, '.' + urlPath);
    if (full !== this.root && !full.startsWith(this.root + sep)) return undefined;
    const cached = await this.load(full);
    if (!cached) return undefined;
    const plain = { contentType: cached.contentType, cacheControl: cacheControlFor(urlPath) };
    if (!cached.encoded) return { ...plain, body: cached.body, vary: false };
    const encoded = await cached.encoded;
    // A coding that does not make the file smaller is not offered.
    const offered = (['br', 'gzip'] as const).filter((c) => encoded[c].length < cached.body.length);
    const coding = negotiate(acceptEncoding, offered);
    return coding ? { ...plain, body: encoded[coding], encoding: coding, vary: true } : { ...plain, body: cached.body, vary: true };
  }

  private async load(full: string): Promise<Cached | undefined> {
    try {
      const st = await stat(full);
      if (!st.isFile()) return undefined;
      const hit = this.cache.get(full);
      if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
      const body = await readFile(full);
      const contentType = TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream';
      const encoded = isCompressible(contentType) && body.length >= MIN_COMPRESS_BYTES ? encodeBoth(body) : undefined;
      // The compression is shared by concurrent first requests; a failure is not cached.
      encoded?.catch(() => this.cache.delete(full));
      const entry: Cached = { mtimeMs: st.mtimeMs, size: st.size, body, contentType, encoded };
      this.cache.set(full, entry);
      return entry;
    } catch {
      this.cache.delete(full);
      return undefined;
    }
  }
}
