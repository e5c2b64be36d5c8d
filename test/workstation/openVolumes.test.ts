// Open volumes: one copy per series, closed by the page or evicted by use within a byte budget,
// a labelmap with its volume, and edits a page did not save never dropped.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import { commandSchemas } from '../../src/api/commands';
import type { CommandName, CommandParams, CommandResult } from '../../src/api/commands';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import type { Workstation } from '../../src/workstation/Workstation';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const work = mkdtempSync(join(tmpdir(), 'open-volumes-'));
after(() => rmSync(work, { recursive: true, force: true }));
const dataDir = join(work, 'data');
/** a CT-like series: 256 x 256 x 80 int16, 10 MiB of voxels */
const DIMS: [number, number, number] = [256, 256, 80];
const VOLUME_BYTES = DIMS[0] * DIMS[1] * DIMS[2] * 2;
const SERIES = 20;
const seriesIds: string[] = [];

before(() => {
  const library = new CaseLibrary(join(dataDir, 'library'));
  for (let n = 0; n < SERIES; n++) {
    const voxels = new Int16Array(DIMS[0] * DIMS[1] * DIMS[2]);
    for (let i = 0; i < voxels.length; i += 97) voxels[i] = (i + n) % 2000;
    const seriesId = `1.2.826.0.1.3680043.77.${n + 1}`;
    library.save(
      {
        seriesId,
        source: 'nifti',
        patientName: `Case ${n + 1}`,
        patientId: `P${n + 1}`,
        studyInstanceUid: `1.2.826.0.1.3680043.76.${n + 1}`,
        studyDate: '20260101',
        studyDescription: 'memory',
        seriesDescription: `series ${n + 1}`,
        seriesNumber: n + 1,
        modality: 'CT',
        warnings: [],
      },
      {
        geometry: {
          dimensions: DIMS,
          spacing: [0.8, 0.8, 2],
          origin: [0, 0, 0],
          direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
        },
        voxels,
      },
    );
    seriesIds.push(seriesId);
  }
});

function open(volumeBudgetBytes?: number): Promise<Workstation> {
  return createWorkstation({
    seriesFolders: [],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'cpu',
    dataDir,
    volumeBudgetBytes,
  });
}

/** A command through dispatch, as a page sends it; its result checked against the contract. */
async function call<C extends CommandName>(
  workstation: Workstation,
  command: C,
  params: CommandParams<C>,
): Promise<CommandResult<C>> {
  const response = await dispatch(workstation, { id: 1, command, params });
  if (!response.ok) throw Object.assign(new Error(response.error.message), response.error);
  return commandSchemas[command].result.parse(response.result) as CommandResult<C>;
}

const MiB = 2 ** 20;
function memory(): { rss: number; heapUsed: number; arrayBuffers: number } {
  gc();
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rss: rss / MiB, heapUsed: heapUsed / MiB, arrayBuffers: arrayBuffers / MiB };
}

/**
 * Opens every series in a row, as a user paging through the library, on a workstation of its
 * own (gone once this returns); memory after each open, and what stayed open at the end.
 */
async function openAll(volumeBudgetBytes: number) {
  const workstation = await open(volumeBudgetBytes);
  try {
    const figures = [];
    for (const seriesId of seriesIds) {
      const { volumeId } = await call(workstation, 'openSeries', { seriesId });
      // what a page does next: fetch the voxels (the host serves this same array)
      assert.equal(workstation.volume(volumeId).voxels.byteLength, VOLUME_BYTES);
      figures.push(memory());
    }
    return { figures, bytes: workstation.volumes.bytes, counts: workstation.volumes.counts };
  } finally {
    await workstation.close();
  }
}

type Figures = ReturnType<typeof memory>;
function print(what: string, figures: Figures[]) {
  const row = (f: Figures) =>
    `rss ${f.rss.toFixed(0)} MiB, heap ${f.heapUsed.toFixed(0)} MiB, array buffers ${f.arrayBuffers.toFixed(0)} MiB`;
  console.log(`${what}: after 1 series: ${row(figures[0])}`);
  console.log(`${what}: after ${figures.length} series: ${row(figures[figures.length - 1])}`);
}

test('twenty series opened in a row stay within the budget; without eviction they pile up', async () => {
  const budget = 3 * VOLUME_BYTES;
  const limit = (budget + 2 * VOLUME_BYTES) / MiB;
  const baseline = memory();
  const grown = (f: Figures) => f.arrayBuffers - baseline.arrayBuffers;
  const bounded = await openAll(budget);
  print('budget 30 MiB', bounded.figures);
  assert.ok(bounded.bytes <= budget, `${bounded.bytes} bytes open`);
  assert.deepEqual(bounded.counts, { series: 3, volumes: 3, labelmaps: 0 });
  // the budget and the one volume being read at most, whatever the number of series
  for (const f of bounded.figures)
    assert.ok(grown(f) < limit, `array buffers grew ${grown(f)} MiB`);
  const last = bounded.figures[SERIES - 1];
  assert.ok(last.rss - bounded.figures[0].rss < limit, `rss grew to ${last.rss} MiB`);

  const unbounded = await openAll(Number.POSITIVE_INFINITY);
  print('no budget', unbounded.figures);
  // the same opens keep every volume: the growth the budget holds down
  const growth = unbounded.figures[SERIES - 1].arrayBuffers - unbounded.figures[0].arrayBuffers;
  assert.equal(unbounded.bytes, SERIES * VOLUME_BYTES);
  // (an earlier run's buffers may be freed while this one runs: a margin of a few volumes)
  assert.ok(growth > (SERIES - 5) * (VOLUME_BYTES / MiB), `array buffers grew ${growth} MiB`);
});

test('a volume closes with its labelmaps; unsaved edits refuse the close by name and survive eviction', async () => {
  const workstation = await open(2 * VOLUME_BYTES);
  try {
    const a = await call(workstation, 'openSeries', { seriesId: seriesIds[0] });
    const again = await call(workstation, 'openSeries', { seriesId: seriesIds[0] });
    // one copy of the voxels for both ids
    assert.equal(workstation.volume(a.volumeId).voxels, workstation.volume(again.volumeId).voxels);
    assert.ok(workstation.volume(a.volumeId).voxels.buffer instanceof SharedArrayBuffer);
    const labels = new Uint8Array(VOLUME_BYTES / 2).fill(1, 0, 1000);
    workstation.putLabelmap('edit-1', a.volumeId, labels);

    await assert.rejects(call(workstation, 'closeVolume', { volumeId: a.volumeId }), (error) => {
      const e = error as { code: string; message: string };
      return e.code === 'unsaved' && /edit-1/.test(e.message);
    });
    // eviction by use passes over the volume whose edits are not saved
    for (const seriesId of seriesIds.slice(1, 5))
      await call(workstation, 'openSeries', { seriesId });
    assert.equal(workstation.labelmap('edit-1'), labels);

    await call(workstation, 'saveSegmentation', {
      seriesId: seriesIds[0],
      segmentationId: 'seg-a',
      labelmapId: 'edit-1',
      name: 'Mine',
      segments: [{ index: 1, label: 'Liver', color: [200, 40, 40], visible: true, locked: false }],
      revision: 1,
    });
    assert.deepEqual(await call(workstation, 'closeVolume', { volumeId: a.volumeId }), {
      labelmaps: ['edit-1'],
    });
    await assert.rejects(call(workstation, 'runModel', { volumeId: a.volumeId, modelId: 'x' }), {
      code: 'not_found',
    });
    assert.throws(() => workstation.labelmap('edit-1'), /no labelmap edit-1/);
    // the other id of the series still shows it
    assert.equal(workstation.volumes.seriesOf(again.volumeId), seriesIds[0]);

    // a page that lets edits go says so
    workstation.putLabelmap('edit-2', again.volumeId, labels);
    assert.deepEqual(
      await call(workstation, 'closeVolume', { volumeId: again.volumeId, discardUnsaved: true }),
      { labelmaps: ['edit-2'] },
    );
    // once saved-edit volumes go, the budget holds again at the next open
    await call(workstation, 'openSeries', { seriesId: seriesIds[6] });
    assert.ok(workstation.volumes.bytes <= 2 * VOLUME_BYTES);
    await assert.rejects(call(workstation, 'closeVolume', { volumeId: 'vol-none' }), {
      code: 'not_found',
    });
  } finally {
    await workstation.close();
  }
});
