import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { safeStorageCipher } from '../../electron/safeStorageCipher';
import type { SafeStorageLike } from '../../electron/safeStorageCipher';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { pacsSecretStore } from '../../src/workstation/pacs/pacsSecretStore';

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
  const pacsDir = mkdtempSync(join(tmpdir(), 'sealed-'));
  const path = join(pacsDir, 'secrets.sealed.json');
  const store = pacsSecretStore(pacsDir, safeStorageCipher(keychain(true)));
  await store.set('orthanc', 'wonderland-42');
  assert.equal(await store.get('orthanc'), 'wonderland-42');
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('wonderland'));
  assert.ok(!text.includes(Buffer.from('wonderland-42').toString('base64')));
});

test('without a keychain a secret is refused with a sentence, never written in the clear', async () => {
  const pacsDir = mkdtempSync(join(tmpdir(), 'sealed-'));
  const path = join(pacsDir, 'secrets.sealed.json');
  const store = pacsSecretStore(pacsDir, safeStorageCipher(keychain(false)));
  await assert.rejects(store.set('orthanc', 'wonderland-42'), /system keychain is not available/);
  assert.equal(existsSync(path), false);
});

test('the workstation seals a PACS password saved by the page with the cipher Electron hands it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealed-data-'));
  const workstation = await createWorkstation({
    seriesFolders: [],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'cpu',
    dataDir,
    secretCipher: safeStorageCipher(keychain(true)),
  });
  try {
    const saved = await workstation.handlers.savePacsServer({
      id: 'orthanc',
      name: 'Orthanc',
      url: 'http://127.0.0.1:1/dicom-web',
      auth: 'basic',
      username: 'alice',
      secret: 'wonderland-42',
    });
    assert.equal(saved.hasCredentials, true);
    assert.equal(saved.credentialsInClear, false);
    const sealed = readFileSync(join(dataDir, 'pacs', 'secrets.sealed.json'), 'utf8');
    assert.ok(!sealed.includes('wonderland'));
    assert.equal(existsSync(join(dataDir, 'pacs', 'secrets.json')), false, 'no plain file');
  } finally {
    await workstation.close();
  }
});
