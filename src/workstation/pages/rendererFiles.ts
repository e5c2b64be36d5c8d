import { readFile, realpath } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The real path of a file under `root`, or null when the name leaves the folder (`..`) or a
 * symbolic link on the way leads out of it: a link in the served folder must not serve the
 * rest of the disk. `urlPath` is already decoded.
 */
export async function fileInside(root: string, urlPath: string): Promise<string | null> {
  const path = join(root, normalize(urlPath));
  if (!path.startsWith(root + sep)) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]);
    return realFile.startsWith(realRoot + sep) ? realFile : null;
  } catch {
    return null;
  }
}

/** Reads a file of the built renderer; null for anything outside its folder or missing. */
export async function readStatic(
  root: string,
  urlPath: string,
): Promise<{ body: Buffer; type: string } | null> {
  const path = await fileInside(
    root,
    decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath),
  );
  if (!path) return null;
  try {
    return { body: await readFile(path), type: TYPES[extname(path)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
