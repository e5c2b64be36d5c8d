import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../files/atomicWrite';
import { DicomWebClient } from './DicomWebClient';
import type { PacsAuth } from './DicomWebClient';
import type { SecretStore } from './SecretStore';

/** A DICOMweb server as the settings keep it: everything but the password or token. */
export const pacsServerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes'),
    name: z.string().trim().min(1).max(100),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'http or https')
      // A password in the URL would be stored in the plain settings and shown to the UI.
      .refine((u) => !/^https?:\/\/[^/?#]*@/i.test(u), 'no user name or password in the URL'),
    auth: z.enum(['none', 'basic', 'bearer']),
    username: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
  })
  .refine((s) => s.auth !== 'basic' || s.username, {
    message: 'basic authentication needs a user name',
    path: ['username'],
  });
export type PacsServer = z.infer<typeof pacsServerSchema>;

/**
 * What the UI is shown: the settings, whether a secret is stored (never the secret), and whether
 * that secret would cross the network unencrypted (plain http to another machine), to warn.
 */
export type PacsServerView = PacsServer & { hasSecret: boolean; secretInClear: boolean };

function view(server: PacsServer, hasSecret: boolean): PacsServerView {
  const url = new URL(server.url);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return {
    ...server,
    hasSecret,
    secretInClear: server.auth !== 'none' && url.protocol === 'http:' && !loopback,
  };
}

const fileSchema = z.object({ version: z.literal(1), servers: z.array(pacsServerSchema) });

/**
 * The configured DICOMweb servers: settings in a plain JSON file, secrets in a SecretStore.
 * Only the core builds clients (with the secret); the UI gets PacsServerView.
 */
export class PacsServers {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settingsPath: string,
    private readonly secrets: SecretStore,
  ) {}

  async list(): Promise<PacsServerView[]> {
    const servers = await this.read();
    return Promise.all(
      servers.map(async (s) => view(s, (await this.secrets.get(s.id)) !== undefined)),
    );
  }

  /** Adds or replaces a server; `secret` undefined keeps the stored one, null removes it. */
  save(input: unknown, secret?: string | null): Promise<PacsServerView> {
    const parsed = pacsServerSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return Promise.reject(
        new Error(`server settings: ${issue.path.join('.') || 'value'}: ${issue.message}`),
      );
    }
    const server = parsed.data;
    return this.serial(async () => {
      const servers = (await this.read()).filter((s) => s.id !== server.id);
      if (secret === null || server.auth === 'none') await this.secrets.delete(server.id);
      else if (secret !== undefined) await this.secrets.set(server.id, secret);
      await this.write([...servers, server]);
      return view(server, (await this.secrets.get(server.id)) !== undefined);
    });
  }

  remove(id: string): Promise<void> {
    return this.serial(async () => {
      await this.write((await this.read()).filter((s) => s.id !== id));
      await this.secrets.delete(id);
    });
  }

  /** Changes run one after another: two saves at once must not both start from the old list. */
  private serial<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A client for a configured server, with its secret; for the core only. */
  async client(id: string): Promise<DicomWebClient> {
    const server = (await this.read()).find((s) => s.id === id);
    if (!server) throw new Error(`no PACS server "${id}" is configured`);
    const secret = await this.secrets.get(id);
    if (server.auth !== 'none' && secret === undefined) {
      throw new Error(
        `PACS server "${server.name}" needs a ${server.auth === 'basic' ? 'password' : 'token'}: none is stored`,
      );
    }
    const auth: PacsAuth =
      server.auth === 'basic'
        ? { kind: 'basic', username: server.username ?? '', password: secret ?? '' }
        : server.auth === 'bearer'
          ? { kind: 'bearer', token: secret ?? '' }
          : { kind: 'none' };
    return new DicomWebClient({ url: server.url, auth, timeoutMs: server.timeoutMs });
  }

  private async read(): Promise<PacsServer[]> {
    let text: string;
    try {
      text = await readFile(this.settingsPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(
        `${this.settingsPath}: not a PACS server list (${parsed.error.issues[0].message})`,
      );
    return parsed.data.servers;
  }

  private async write(servers: PacsServer[]): Promise<void> {
    const text = `${JSON.stringify({ version: 1, servers }, null, 2)}\n`;
    await writeFileAtomic(this.settingsPath, new TextEncoder().encode(text), true);
  }
}
