import { join } from 'node:path';
import { FileSecretStore } from '../../pacs/SecretStore';
import type { SecretCipher, SecretStore } from '../../pacs/SecretStore';

export type { SecretCipher };

/**
 * Where the PACS passwords and tokens of `<data>/pacs` are kept: sealed by `cipher` (Electron
 * hands the OS keychain's, safeStorage) in `secrets.sealed.json`, or without one as they are in
 * `secrets.json`, which the store writes 0600. The two names keep a file written one way from
 * being read the other.
 */
export function pacsSecretStore(pacsDir: string, cipher?: SecretCipher): SecretStore {
  return cipher
    ? new FileSecretStore(join(pacsDir, 'secrets.sealed.json'), cipher)
    : new FileSecretStore(join(pacsDir, 'secrets.json'));
}
