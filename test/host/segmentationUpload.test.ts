import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import type { Workstation } from '../../src/workstation/Workstation';
import { dispatch } from '../../src/workstation/dispatch';
import { openSampleWorkstation } from '../helpers/workstation';

let workstation: Workstation;
let host: Host;
before(async () => {
  workstation = await openSampleWorkstation();
  host = await startHost({ workstation, staticDir: 'renderer', port: 0 });
});
after(async () => {
  await host.close();
  await workstation.close();
});

const upload = (body: Uint8Array, headers: Record<string, string>) =>
  fetch(`http://127.0.0.1:${host.port}/segmentation-uploads`, { method: 'PUT', body, headers });

test('a NIfTI labelmap uploaded to the host (token required) imports onto the open volume', async () => {
  const listed = await dispatch(workstation, { id: 1, command: 'listSeries', params: {} });
  assert.ok(listed.ok);
  const [series] = listed.result as { seriesId: string }[];
  const opened = await dispatch(workstation, {
    id: 2,
    command: 'openSeries',
    params: { seriesId: series.seriesId },
  });
  assert.ok(opened.ok);
  const volumeId = (opened.result as { volumeId: string }).volumeId;
  const labels = Uint8Array.from(workstation.volume(volumeId).voxels, (v) => (v > 100 ? 1 : 0));
  workstation.addLabelmap({ labelmapId: 'drawn', volumeId, classes: [], counts: [] }, labels);
  const path = join(mkdtempSync(join(tmpdir(), 'upload-')), 'drawn.nii.gz');
  const exported = await dispatch(workstation, {
    id: 3,
    command: 'exportSegmentation',
    params: {
      labelmapId: 'drawn',
      format: 'nifti',
      path,
      name: 'Drawn',
      segments: [{ index: 1, label: 'Bright', color: [255, 0, 0], kind: 'tissue' }],
    },
  });
  assert.ok(exported.ok, JSON.stringify(exported));
  const bytes = readFileSync(path);

  assert.equal((await upload(bytes, {})).status, 401);
  assert.equal(
    (await upload(new Uint8Array(0), { authorization: `Bearer ${host.token}` })).status,
    400,
  );
  const answer = await upload(bytes, { authorization: `Bearer ${host.token}` });
  assert.equal(answer.status, 200);
  const { uploadId } = (await answer.json()) as { uploadId: string };
  const imported = await dispatch(workstation, {
    id: 4,
    command: 'importSegmentation',
    params: { volumeId, uploadId },
  });
  assert.ok(imported.ok, JSON.stringify(imported));
  const { labelmapId } = imported.result as { labelmapId: string };
  assert.deepEqual(workstation.labelmap(labelmapId), labels);
});
