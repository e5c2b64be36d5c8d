// PACS passwords and tokens in the desktop app: sealed by Electron's safeStorage (the OS keychain's
// key: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux), the ciphertext kept in
// the data folder in a 0600 file. The browser host keeps its 0600 file of plain secrets instead.
import { join } from 'node:path';
import { safeStorage } from 'electron';
import { FileSecretStore } from '../src/pacs/SecretStore';
import { safeStorageCipher } from './safeStorageCipher';
import type { SafeStorageLike } from './safeStorageCipher';

/** The app's secret store: `<userData>/pacs/secrets.sealed.json`, each secret sealed by safeStorage. */
export function safeStorageSecretStore(
  dataDir: string,
  storage: SafeStorageLike = safeStorage,
): FileSecretStore {
  return new FileSecretStore(
    join(dataDir, 'pacs', 'secrets.sealed.json'),
    safeStorageCipher(storage),
  );
}
