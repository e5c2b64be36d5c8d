// How the desktop app seals PACS passwords and tokens: by Electron's safeStorage (the OS keychain's
// key: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux); the workstation keeps the
// ciphertext in <userData>/pacs/secrets.sealed.json, 0600. The browser host seals nothing and
// keeps a 0600 file of plain secrets. Apart from main.ts so that it can be tested where Electron's
// binary is absent (importing 'electron' there throws).
import type { SecretCipher } from '../src/workstation/pacs/pacsSecretStore';

/** What of Electron's safeStorage the store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/**
 * A cipher on safeStorage that refuses to store a secret it cannot seal: without a keychain
 * (safeStorage unavailable) the user is told so rather than the password written in the clear.
 */
export function safeStorageCipher(storage: SafeStorageLike): SecretCipher {
  const available = () => {
    if (!storage.isEncryptionAvailable()) {
      throw new Error(
        'the system keychain is not available, so the password or token cannot be stored encrypted: unlock or install a keyring (libsecret or KWallet on Linux)',
      );
    }
  };
  return {
    encrypt: (plain) => {
      available();
      return new Uint8Array(storage.encryptString(plain));
    },
    decrypt: (sealed) => {
      available();
      return storage.decryptString(Buffer.from(sealed));
    },
  };
}
