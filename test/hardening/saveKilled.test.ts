// A kill -9 at each step of CaseLibrary.save (fault injection in a child process, not a timed
// kill): after the restart's sweep the series is there, whole, old or new, never neither.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import type { SaveStep } from '../../src/library/CaseLibrary';
import { smallSeries } from '../fixtures/smallSeries';

const work = mkdtempSync(join(tmpdir(), 'save-killed-'));
after(() => rmSync(work, { recursive: true, force: true }));

const STEPS: SaveStep[] = ['volume-written', 'built', 'old-moved', 'new-moved', 'old-removed'];

function killedAt(root: string, seriesId: string, step: SaveStep, value: number): void {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/killAtSaveStep.ts', root, seriesId, step, String(value)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  assert.equal(child.signal, 'SIGKILL', `the child was to die at ${step}: ${String(child.stderr)}`);
}

/** The value every voxel of the stored series holds (one value: a mix would fail). */
function storedValue(library: CaseLibrary, seriesId: string): number {
  const voxels = library.open(seriesId).volume.voxels;
  const values = new Set(voxels);
  assert.equal(values.size, 1, 'the volume is one save, not a mix');
  assert.equal(voxels.length, 16 * 16 * 4);
  return [...values][0] ?? NaN;
}

for (const [index, step] of STEPS.entries()) {
  test(`replacing a series, killed after "${step}": the restart finds it, old or new`, () => {
    const root = join(work, `replace-${step}`);
    const { series, volume } = smallSeries('victim', 1);
    new CaseLibrary(root).save(series, volume);
    killedAt(root, 'victim', step, 2);
    const restarted = new CaseLibrary(root);
    restarted.sweep();
    assert.equal(restarted.has('victim'), true);
    // until the old copy is moved aside the save has not begun to take effect: the old one
    // stays; from then on the new one is complete and the swap is finished
    const expected = index >= STEPS.indexOf('old-moved') ? 2 : 1;
    assert.equal(storedValue(restarted, 'victim'), expected);
    assert.deepEqual(
      restarted.list().map((r) => r.seriesDescription),
      [`value ${expected}`],
    );
    assert.deepEqual(
      readdirSync(restarted.seriesRoot).filter((n) => n.startsWith('.')),
      [],
      'the sweep leaves no temporary folder',
    );
  });
}

for (const step of ['volume-written', 'built', 'new-moved'] as SaveStep[]) {
  test(`a new series, killed after "${step}": the restart has it whole or not at all`, () => {
    const root = join(work, `new-${step}`);
    new CaseLibrary(root);
    killedAt(root, 'fresh', step, 3);
    const restarted = new CaseLibrary(root);
    restarted.sweep();
    if (step === 'volume-written') assert.equal(restarted.has('fresh'), false);
    else assert.equal(storedValue(restarted, 'fresh'), 3);
    assert.deepEqual(
      readdirSync(restarted.seriesRoot).filter((n) => n.startsWith('.')),
      [],
    );
  });
}

test('a removal cut short stays removed: the sweep never brings a deleted series back', () => {
  const root = join(work, 'removed');
  const library = new CaseLibrary(root);
  const { series, volume } = smallSeries('deleted', 4);
  library.save(series, volume);
  const key = library.key('deleted');
  // what remove() leaves if killed between its rename and its rm
  renameSync(join(library.seriesRoot, key), join(library.seriesRoot, '.del-0123456789ab'));
  const restarted = new CaseLibrary(root);
  restarted.sweep();
  assert.equal(restarted.has('deleted'), false);
  assert.deepEqual(readdirSync(restarted.seriesRoot), []);
});
