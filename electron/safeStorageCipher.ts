// The sealing half of the app's PACS secret store, apart from Electron's module so that it can be
// tested where Electron's binary is absent (importing 'electron' there throws).
import type { SecretCipher } from '../src/pacs/SecretStore';

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
