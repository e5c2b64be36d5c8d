import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../files/atomicWrite';

/** Where server passwords and tokens live: never in the settings file, never sent to the UI. */
export interface SecretStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, secret: string): Promise<void>;
  delete(id: string): Promise<void>;
}

/**
 * How secrets are sealed on disk. The host keeps them as they are in a file only its user may
 * read (0600); Electron plugs in its safeStorage (the OS keychain's key):
 * `{ encrypt: (s) => safeStorage.encryptString(s), decrypt: (b) => safeStorage.decryptString(Buffer.from(b)) }`.
 */
export interface SecretCipher {
  encrypt(plain: string): Uint8Array;
  decrypt(sealed: Uint8Array): string;
}

const asIs: SecretCipher = {
  encrypt: (plain) => new TextEncoder().encode(plain),
  decrypt: (sealed) => new TextDecoder().decode(sealed),
};

/** A JSON file of id -> sealed secret (base64), mode 0600, replaced atomically on every change. */
export class FileSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly cipher: SecretCipher = asIs,
  ) {}

  async get(id: string): Promise<string | undefined> {
    const sealed = (await this.read())[id];
    return sealed === undefined ? undefined : this.cipher.decrypt(Buffer.from(sealed, 'base64'));
  }

  set(id: string, secret: string): Promise<void> {
    return this.change((all) => ({
      ...all,
      [id]: Buffer.from(this.cipher.encrypt(secret)).toString('base64'),
    }));
  }

  delete(id: string): Promise<void> {
    return this.change((all) =>
      Object.fromEntries(Object.entries(all).filter(([key]) => key !== id)),
    );
  }

  private change(edit: (all: Record<string, string>) => Record<string, string>): Promise<void> {
    const run = this.queue.then(async () => {
      await this.write(JSON.stringify(edit(await this.read())));
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Record<string, string>> {
    let mode: number;
    try {
      mode = (await stat(this.path)).mode;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    if (mode & 0o077) {
      throw new Error(
        `${this.path} holds passwords but other users may read it (mode ${(mode & 0o777).toString(8)}): run chmod 600 on it`,
      );
    }
    const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${this.path} is not a secret store`);
    }
    return parsed as Record<string, string>;
  }

  private async write(text: string): Promise<void> {
    await writeFileAtomic(this.path, text, true, { mode: 0o600 });
  }
}
