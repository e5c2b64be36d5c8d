import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { CommandName } from '../api/commands';
import { ApiError } from '../api/errors';

/** What the core will do with a path a page named. */
export type PathUse = 'read' | 'write';

/**
 * Which paths a page may name. Every path in a request that crossed the transport (WebSocket,
 * Electron IPC) goes through one before a handler sees it; the CLI, where the user types the
 * paths, calls the handlers directly.
 */
export interface PathPolicy {
  /** The path to use in its place (links resolved), or an ApiError('forbidden') saying why not. */
  allow(path: string, use: PathUse): Promise<string>;
}

/** Never read or written for a page, whatever folders are allowed: the kernel's and devices. */
const SYSTEM = ['/proc', '/sys', '/dev'];

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function refuse(path: string, reason: string): never {
  throw new ApiError('forbidden', `${path}: ${reason}`);
}

function expandHome(path: string): string {
  return path.replace(/^~(?=$|[/\\])/, homedir());
}

/** The real path of `path`, for a file that may not exist yet: its nearest existing folder's. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOf(parent), basename(path));
  }
}

/** The checks every policy makes first: no `..`, no system folder. Returns the absolute path. */
function lexicalCheck(path: string, base: string): string {
  if (path.split(/[/\\]/).includes('..')) refuse(path, "names a parent folder ('..')");
  const absolute = resolve(base, expandHome(path));
  if (SYSTEM.some((s) => inside(absolute, s))) refuse(path, 'is a system folder');
  return absolute;
}

export interface ConfinedFolders {
  /** where a page may have files read (imports): `--import-allow`, the export folder */
  read: string[];
  /** where a page may have files written (exports): `--export-dir` */
  write: string[];
}

/**
 * The browser host's policy: reads and writes stay inside the folders the user gave at start.
 * A relative path is taken inside the first folder of its use. Links are followed before the
 * check, so a link inside an allowed folder that leads out of it is refused.
 */
export function confinedPaths(folders: ConfinedFolders): PathPolicy {
  const real = {
    read: Promise.all(folders.read.map((f) => realPathOf(resolve(f)))),
    write: Promise.all(folders.write.map((f) => realPathOf(resolve(f)))),
  };
  const words = { read: 'allowed for import', write: 'allowed for export' };
  return {
    async allow(path, use) {
      const roots = folders[use].map((f) => resolve(f));
      if (roots.length === 0) refuse(path, `no folder is ${words[use]} here`);
      const absolute = lexicalCheck(path, roots[0] ?? '/');
      const target = await realPathOf(absolute);
      if (SYSTEM.some((s) => inside(target, s))) refuse(path, 'leads to a system folder');
      if ((await real[use]).some((root) => inside(target, root))) return target;
      if (roots.some((root) => inside(absolute, root)))
        refuse(path, `a symbolic link leads out of the folders ${words[use]}`);
      refuse(path, `is outside the folders ${words[use]}`);
    },
  };
}

/**
 * Electron's policy: a page may name only paths the main process handed out, from its own
 * dialogs or from files the user dropped (granted by the preload from the File object, which a
 * script cannot forge), and, to write, the export folder's files as `fallback` allows.
 */
export class GrantedPaths implements PathPolicy {
  private readonly granted = { read: new Set<string>(), write: new Set<string>() };

  constructor(private readonly fallback?: PathPolicy) {}

  /** A path the user chose; a folder granted for reading grants what it holds. */
  grant(path: string, use: PathUse): void {
    if (isAbsolute(path)) this.granted[use].add(resolve(path));
  }

  async allow(path: string, use: PathUse): Promise<string> {
    const absolute = lexicalCheck(path, '/');
    const chosen = [...this.granted[use]].some((g) =>
      use === 'read' ? inside(absolute, g) : absolute === g,
    );
    if (chosen) return absolute;
    if (this.fallback) {
      try {
        return await this.fallback.allow(path, use);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        refuse(
          path,
          `was not chosen in a dialog or dropped, and ${error.message.slice(path.length + 2)}`,
        );
      }
    }
    return refuse(path, 'was not chosen in a dialog or dropped');
  }
}

/** Any path: for a workstation no page talks to (tests, tools). */
export const anyPath: PathPolicy = {
  allow: async (path) => resolve(expandHome(path)),
};

/** The path parameters of each command that takes one, and what is done with them. */
const PATH_PARAMS: Partial<Record<CommandName, Record<string, PathUse>>> = {
  importPaths: { paths: 'read' },
  exportLabelmap: { path: 'write' },
  exportSegmentation: { path: 'write' },
  importSegmentation: { path: 'read' },
  exportModelOnnx: { path: 'write' },
  importOnnxModel: { path: 'read', cardPath: 'read' },
};

/** A command's params with every path checked by `policy` and replaced by what it allows. */
export async function confineParams(
  policy: PathPolicy,
  command: CommandName,
  params: unknown,
): Promise<unknown> {
  const fields = PATH_PARAMS[command];
  if (!fields || typeof params !== 'object' || params === null) return params;
  const out: Record<string, unknown> = { ...params };
  for (const [key, use] of Object.entries(fields)) {
    const value = out[key];
    if (typeof value === 'string') out[key] = await policy.allow(value, use);
    else if (Array.isArray(value))
      out[key] = await Promise.all(value.map((v) => policy.allow(String(v), use)));
  }
  return out;
}
