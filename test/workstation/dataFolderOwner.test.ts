// Two processes on one data folder (the app and `cli train`, say): only the one that holds the
// folder tidies it at start, so the other never removes a write the first has in progress.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createWorkstation } from '../../src/workstation/createWorkstation';

const work = mkdtempSync(join(tmpdir(), 'owner-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** What a process leaves while it writes: a partial file, a series being built, an upload. */
function writesInProgress(dataDir: string): string[] {
  const paths = [
    join(dataDir, 'segmentations', '1.2.3', '.seg.json.0123456789ab.partial'),
    join(dataDir, 'library', 'series', '.tmp-0123456789abcdef', 'volume.bin'),
    join(dataDir, 'uploads', 'upload-1', 'slice.dcm'),
  ];
  for (const path of paths) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x');
  }
  return paths;
}

const open = (dataDir: string) =>
  createWorkstation({
    seriesFolders: [],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'cpu',
    dataDir,
  });

test('a data folder another live process holds is not tidied; once it has gone, it is', async () => {
  const dataDir = join(work, 'data');
  const paths = writesInProgress(dataDir);
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  try {
    writeFileSync(join(dataDir, '.owner.pid'), String(other.pid));
    const second = await open(dataDir);
    await second.close();
    for (const path of paths) assert.ok(existsSync(path), `${path} kept`);
    // the holder's claim stands after the second process closes
    assert.equal(readFileSync(join(dataDir, '.owner.pid'), 'utf8'), String(other.pid));
  } finally {
    other.kill();
    await new Promise((resolve) => other.once('exit', resolve));
  }
  // the holder is gone (a crash): the next start takes the folder and removes the leftovers
  const next = await open(dataDir);
  for (const path of paths) assert.equal(existsSync(path), false, `${path} removed`);
  assert.equal(readFileSync(join(dataDir, '.owner.pid'), 'utf8'), String(process.pid));
  await next.close();
  assert.equal(existsSync(join(dataDir, '.owner.pid')), false, 'released at close');
});
