import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { safeStorageCipher } from '../../electron/safeStorageCipher';
import type { SafeStorageLike } from '../../electron/safeStorageCipher';
import { FileSecretStore } from '../../src/pacs/SecretStore';

// Electron's binary cannot run here, so safeStorage is stood in for by a keyed XOR with its
// interface: what is under test is that the store keeps only what the cipher sealed.
function keychain(available: boolean): SafeStorageLike {
  const seal = (bytes: Buffer) => Buffer.from(bytes.map((b, n) => b ^ ((0x5a + n) % 256)));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => seal(Buffer.from(`v10${plain}`)),
    decryptString: (sealed) => seal(sealed).toString().slice(3),
  };
}

test('secrets sealed by safeStorage are stored only as ciphertext and read back', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sealed-')), 'secrets.sealed.json');
  const store = new FileSecretStore(path, safeStorageCipher(keychain(true)));
  await store.set('orthanc', 'wonderland-42');
  assert.equal(await store.get('orthanc'), 'wonderland-42');
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('wonderland'));
  assert.ok(!text.includes(Buffer.from('wonderland-42').toString('base64')));
});

test('without a keychain a secret is refused with a sentence, never written in the clear', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sealed-')), 'secrets.sealed.json');
  const store = new FileSecretStore(path, safeStorageCipher(keychain(false)));
  await assert.rejects(store.set('orthanc', 'wonderland-42'), /system keychain is not available/);
  assert.equal(existsSync(path), false);
});
