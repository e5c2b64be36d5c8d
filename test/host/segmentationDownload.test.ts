import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseNifti } from '../../src/nifti/readNifti';
import type { Host } from '../../src/host/startHost';
import { startHost } from '../../src/host/startHost';
import type { Workstation } from '../../src/workstation/Workstation';
import { dispatch } from '../../src/workstation/dispatch';
import { openSampleWorkstation } from '../helpers/workstation';

let workstation: Workstation;
let host: Host;
let volumeId = '';
let labels: Uint8Array;
before(async () => {
  workstation = await openSampleWorkstation();
  host = await startHost({ workstation, staticDir: 'renderer', port: 0 });
  const listed = await dispatch(workstation, { id: 1, command: 'listSeries', params: {} });
  assert.ok(listed.ok);
  const [series] = listed.result as { seriesId: string }[];
  const opened = await dispatch(workstation, {
    id: 2,
    command: 'openSeries',
    params: { seriesId: series?.seriesId },
  });
  assert.ok(opened.ok);
  volumeId = (opened.result as { volumeId: string }).volumeId;
  labels = Uint8Array.from(workstation.volume(volumeId).voxels, (v) => (v > 100 ? 1 : 0));
  workstation.addLabelmap({ labelmapId: 'drawn', volumeId, classes: [], counts: [] }, labels);
});
after(async () => {
  await host.close();
  await workstation.close();
});

const base = () => `http://127.0.0.1:${host.port}`;
const prepare = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base()}/segmentation-downloads`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
const params = (fileName: string, format = 'nifti') => ({
  labelmapId: 'drawn',
  format,
  fileName,
  name: 'Drawn',
  segments: [{ index: 1, label: 'Bright', color: [255, 0, 0], kind: 'tissue' }],
});

test('an export prepared for the browser downloads (token required) with its label tables', async () => {
  const bearer = { authorization: `Bearer ${host.token}` };
  assert.equal((await prepare(params('drawn.nii.gz'))).status, 401);
  const answer = await prepare(params('drawn.nii.gz'), bearer);
  assert.equal(answer.status, 200);
  const prepared = (await answer.json()) as {
    downloadId: string;
    files: { name: string; bytes: number }[];
  };
  assert.deepEqual(
    prepared.files.map((f) => f.name),
    ['drawn.nii.gz', 'drawn.labels.json', 'drawn.itksnap.txt'],
  );
  const url = (name: string) => `${base()}/segmentation-downloads/${prepared.downloadId}/${name}`;
  assert.equal((await fetch(url('drawn.nii.gz'))).status, 401);
  const file = await fetch(url('drawn.nii.gz'), { headers: bearer });
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-disposition'), 'attachment; filename="drawn.nii.gz"');
  const bytes = new Uint8Array(await file.arrayBuffer());
  assert.equal(bytes.byteLength, prepared.files[0]?.bytes);
  // the downloaded labelmap holds the labels voxel for voxel (placed on the volume's grid)
  const nifti = parseNifti(bytes, 'the download');
  let labelled = 0;
  for (const v of nifti.volume.voxels) if (v) labelled++;
  assert.equal(
    labelled,
    labels.reduce((n, v) => n + v, 0),
  );
  const table = await fetch(url('drawn.labels.json'), { headers: bearer });
  assert.match(await table.text(), /Bright/);
  // nothing but a prepared file: other names, other ids, folders
  assert.equal((await fetch(url('other.nii.gz'), { headers: bearer })).status, 404);
  assert.equal(
    (
      await fetch(`${base()}/segmentation-downloads/dl-${'0'.repeat(24)}/drawn.nii.gz`, {
        headers: bearer,
      })
    ).status,
    404,
  );
  assert.equal((await fetch(url('..%2F..%2Fetc%2Fpasswd'), { headers: bearer })).status, 404);
});

test('a name that is not a file name of its format is refused, naming the problem', async () => {
  const bearer = { authorization: `Bearer ${host.token}` };
  for (const [name, format, problem] of [
    ['drawn.txt', 'nifti', 'a NIfTI file name ends in .nii or .nii.gz'],
    ['drawn.seg.nii.gz', 'dicom-seg', 'a DICOM SEG one in .dcm'],
    ['../drawn.nii.gz', 'nifti', 'a file name of letters'],
    ['/tmp/drawn.nii.gz', 'nifti', 'a file name of letters'],
  ] as const) {
    const answer = await prepare(params(name, format), bearer);
    assert.equal(answer.status, 400, name);
    const body = (await answer.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'bad_request');
    assert.ok(body.error.message.includes(problem), `${name}: ${body.error.message}`);
  }
});
