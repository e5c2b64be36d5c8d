import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PacsServers } from '../../src/pacs/PacsServers';
import { FileSecretStore } from '../../src/pacs/SecretStore';

test('secrets live in a 0600 file, sealed by the cipher given, and never in the settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pacs-settings-'));
  process.umask(0o022);
  // a stand-in for Electron's safeStorage: what is on disk must be what the cipher made
  const cipher = {
    encrypt: (s: string) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
    decrypt: (b: Uint8Array) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
  };
  const secrets = new FileSecretStore(join(dir, 'secrets.json'), cipher);
  const servers = new PacsServers(join(dir, 'servers.json'), secrets);
  const view = await servers.save(
    {
      id: 'main',
      name: 'Main PACS',
      url: 'https://pacs.example.org/dicom-web',
      auth: 'basic',
      username: 'alice',
    },
    'correct horse',
  );
  assert.deepEqual(view, {
    id: 'main',
    name: 'Main PACS',
    url: 'https://pacs.example.org/dicom-web',
    auth: 'basic',
    username: 'alice',
    hasSecret: true,
    secretInClear: false,
  });
  await servers.save(
    { id: 'cloud', name: 'Cloud', url: 'http://127.0.0.1:1/dicom-web', auth: 'bearer' },
    'tok-123',
  );
  assert.equal(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
  const onDisk =
    readFileSync(join(dir, 'secrets.json'), 'utf8') +
    readFileSync(join(dir, 'servers.json'), 'utf8');
  assert.ok(
    !onDisk.includes('correct horse') && !onDisk.includes('tok-123'),
    'no secret in plain text',
  );
  assert.equal(await secrets.get('main'), 'correct horse');
  const plain = await servers.save(
    {
      id: 'ward',
      name: 'Ward',
      url: 'http://pacs.ward.local/dicom-web',
      auth: 'basic',
      username: 'bob',
    },
    'pw',
  );
  assert.equal(plain.secretInClear, true, 'a password over plain http to another machine');
  await servers.remove('ward');
  assert.deepEqual(
    (await servers.list()).map((s) => [s.id, s.hasSecret, s.secretInClear]),
    [
      ['main', true, false],
      ['cloud', true, false],
    ],
  );
  assert.ok(!JSON.stringify(await servers.list()).includes('horse'));

  // saving without a secret keeps it; null removes it; removing the server removes its secret
  await servers.save({ ...view, name: 'Renamed' });
  assert.equal(await secrets.get('main'), 'correct horse');
  await servers.save({ ...view }, null);
  await assert.rejects(servers.client('main'), /needs a password: none is stored/);
  await servers.remove('cloud');
  assert.equal(await secrets.get('cloud'), undefined);
  await assert.rejects(servers.client('cloud'), /no PACS server "cloud"/);

  await Promise.all(
    ['a', 'b', 'c'].map((id) =>
      servers.save({ id, name: id, url: 'https://h/dicom-web', auth: 'bearer' }, id),
    ),
  );
  assert.deepEqual(
    (await servers.list()).map((s) => s.id).sort(),
    ['a', 'b', 'c', 'main'],
    'no save lost',
  );

  chmodSync(join(dir, 'secrets.json'), 0o644);
  await assert.rejects(secrets.get('main'), /other users may read it \(mode 644\): run chmod 600/);
});

test('bad server settings are refused with the field named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pacs-settings-'));
  const servers = new PacsServers(
    join(dir, 'servers.json'),
    new FileSecretStore(join(dir, 's.json')),
  );
  await assert.rejects(
    servers.save({ id: 'x', name: 'X', url: 'ftp://host/', auth: 'none' }),
    /url: http or https/,
  );
  await assert.rejects(
    servers.save({ id: 'x', name: 'X', url: 'http://h/', auth: 'basic' }),
    /username: basic authentication needs a user name/,
  );
  await assert.rejects(
    servers.save({ id: 'X Y', name: 'X', url: 'http://h/', auth: 'none' }),
    /^Error: server settings: id:/,
  );
});
