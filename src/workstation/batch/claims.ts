import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../files/processAlive';

/** Who holds a claim: written into the claim file, so a stale one can be judged. */
interface ClaimOwner {
  host: string;
  pid: number;
  worker: string;
  token: string;
}

/** A series this worker holds until `release`; its heartbeat keeps the claim fresh. */
export interface Claim {
  release(): Promise<void>;
}

/**
 * Claims on series, one file each under `<out>/claims/`, so that two workers (Slurm tasks on
 * any node of a shared file system) never process the same series. A claim is created with
 * O_EXCL, which is atomic on local file systems and NFSv3+; its holder touches it every
 * `staleMs / 4` while it works. A worker that was killed (SIGKILL, node lost) leaves its file:
 * it is stale once it has not been touched for `staleMs`, or at once when its holder ran on
 * this host and its process is gone, and another worker takes it over.
 */
export class Claims {
  readonly dir: string;

  constructor(
    outDir: string,
    private readonly worker: string,
    private readonly staleMs: number,
  ) {
    this.dir = join(outDir, 'claims');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private path(key: string): string {
    return join(this.dir, `${key}.claim`);
  }

  /** Takes the claim on `key`, or returns undefined when a live worker holds it. */
  async take(key: string): Promise<Claim | undefined> {
    const path = this.path(key);
    const owner: ClaimOwner = {
      host: hostname(),
      pid: process.pid,
      worker: this.worker,
      token: randomBytes(8).toString('hex'),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        try {
          await handle.writeFile(JSON.stringify(owner));
        } finally {
          await handle.close();
        }
        return this.held(path, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (!(await this.takeOverIfStale(path))) return undefined;
    }
    return undefined;
  }

  private held(path: string, owner: ClaimOwner): Claim {
    const beat = setInterval(
      () => {
        const now = new Date();
        void utimes(path, now, now).catch(() => undefined);
      },
      Math.max(1000, this.staleMs / 4),
    );
    beat.unref();
    return {
      release: async () => {
        clearInterval(beat);
        // Only our own claim: after a takeover the file may be another worker's.
        const current = await readFile(path, 'utf8').catch(() => '');
        if (current === JSON.stringify(owner)) await rm(path, { force: true });
      },
    };
  }

  /**
   * Moves a stale claim aside so that `take` can create a fresh one. The move is a rename,
   * which one worker wins; a worker that finds it moved a claim that was fresh by then (another
   * worker took over between its look and its move) puts it back with link(), which fails
   * rather than overwrite should a third one have claimed meanwhile.
   */
  private async takeOverIfStale(path: string): Promise<boolean> {
    let text: string;
    let touched: number;
    try {
      [text, touched] = await Promise.all([
        readFile(path, 'utf8'),
        stat(path).then((s) => s.mtimeMs),
      ]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    let holder: Partial<ClaimOwner> = {};
    try {
      holder = JSON.parse(text) as ClaimOwner;
    } catch {
      // a claim cut off by a crash before its content was written: judged by its age alone
    }
    const dead =
      holder.host === hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
    if (!dead && Date.now() - touched < this.staleMs) return false;
    const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => text);
    if (moved !== text) {
      await link(aside, path).catch(() => undefined);
      await rm(aside, { force: true });
      return false;
    }
    await rm(aside, { force: true });
    return true;
  }
}
