// closeVolume: the page's series switch frees what the core held for the series it left (issue 13
// item 6): the volume, its labelmaps, and the series' voxels once no other volume shows them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commandSchemas } from '../../src/api/commands';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';

const work = mkdtempSync(join(tmpdir(), 'close-volume-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('closeVolume forgets the volume and its labelmaps, then the series once none is open', async () => {
  const workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'cpu',
    dataDir: join(work, 'data'),
  });
  try {
    const [series] = await workstation.handlers.listSeries({});
    assert.ok(series);
    const first = await workstation.handlers.openSeries({ seriesId: series.seriesId });
    const second = await workstation.handlers.openSeries({ seriesId: series.seriesId });
    const [columns, rows, slices] = first.geometry.dimensions;
    const labels = new Uint8Array(columns * rows * slices).fill(1);
    for (const labelmapId of ['edit-a', 'edit-b']) {
      workstation.addLabelmap(
        { labelmapId, volumeId: first.volumeId, classes: ['bg', 'x'], counts: [0, labels.length] },
        labels,
      );
    }
    workstation.addLabelmap(
      { labelmapId: 'edit-c', volumeId: second.volumeId, classes: ['bg', 'x'], counts: [0, 1] },
      labels,
    );

    const closed = commandSchemas.closeVolume.result.parse(
      await workstation.handlers.closeVolume({ volumeId: first.volumeId }),
    );
    // the series stays held: the second volume still shows it
    assert.deepEqual(closed, { closed: true, labelmaps: 2, seriesReleased: false });
    assert.throws(() => workstation.volume(first.volumeId), /no open volume/);
    assert.throws(() => workstation.labelmap('edit-a'), /no labelmap edit-a/);
    assert.equal(
      workstation.labelmap('edit-c').length,
      labels.length,
      'the other volume keeps its',
    );

    const last = await workstation.handlers.closeVolume({ volumeId: second.volumeId });
    assert.deepEqual(last, { closed: true, labelmaps: 1, seriesReleased: true });
    // closing twice is no error, and the series opens again from the library
    assert.deepEqual(await workstation.handlers.closeVolume({ volumeId: second.volumeId }), {
      closed: false,
      labelmaps: 0,
      seriesReleased: false,
    });
    const again = await workstation.handlers.openSeries({ seriesId: series.seriesId });
    assert.deepEqual(workstation.volume(again.volumeId).geometry, first.geometry);

    const refused = await dispatch(workstation, {
      id: 1,
      command: 'closeVolume',
      params: { volumeId: 3 },
    });
    assert.equal(refused.ok, false);
    if (!refused.ok) assert.match(refused.error.message, /bad params for closeVolume: volumeId/);
  } finally {
    await workstation.close();
  }
});
