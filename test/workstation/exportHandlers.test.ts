import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandName, CommandParams, CommandResult } from '../../src/api/commands';
import { commandSchemas } from '../../src/api/commands';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { exportDicomSeg } from '../../src/export/exportDicomSeg';
import { exportHandlers } from '../../src/workstation/export/exportHandlers';
import { Uploads } from '../../src/workstation/export/uploads';
import type { Workstation } from '../../src/workstation/Workstation';
import { dispatch } from '../../src/workstation/dispatch';
import { dcm2niix } from '../helpers/dcm2niix';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';
import { openSampleWorkstation } from '../helpers/workstation';

const work = mkdtempSync(join(tmpdir(), 'export-handlers-'));
let workstation: Workstation;
let volumeId: string;
let labels: Uint8Array;
let n = 0;

/** A command through dispatch, as the host sends it: params validated, the result checked too. */
async function call<C extends CommandName>(
  command: C,
  params: CommandParams<C>,
): Promise<CommandResult<C>> {
  const answer = await dispatch(workstation, { id: ++n, command, params });
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return commandSchemas[command].result.parse(answer.result) as CommandResult<C>;
}

function failsWith(code: string, pattern: RegExp) {
  return (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

const segments = [
  {
    index: 1,
    label: 'White matter',
    color: [240, 240, 240] as [number, number, number],
    kind: 'tissue' as const,
  },
  {
    index: 2,
    label: 'Lesion',
    color: [230, 40, 40] as [number, number, number],
    kind: 'lesion' as const,
  },
  {
    index: 3,
    label: 'Nothing here',
    color: [0, 0, 255] as [number, number, number],
    kind: 'organ' as const,
  },
];

before(async () => {
  workstation = await openSampleWorkstation(work);
  const [series] = await call('listSeries', {});
  ({ volumeId } = await call('openSeries', { seriesId: series.seriesId }));
  const voxels = workstation.volume(volumeId).voxels;
  // white matter from the anatomy, a "lesion" box inside it, label 3 left empty
  labels = Uint8Array.from(voxels, (v) => (v > 120 ? 1 : 0));
  const [cols, rows] = workstation.volume(volumeId).geometry.dimensions;
  for (let k = 40; k < 46; k++)
    for (let j = 50; j < 60; j++)
      for (let i = 40; i < 52; i++) labels[k * cols * rows + j * cols + i] = 2;
  workstation.addLabelmap({ labelmapId: 'edited', volumeId, classes: [], counts: [] }, labels);
});

after(async () => {
  await workstation?.close();
});

test('the segment kinds carry SNOMED CT category and type codes', async () => {
  const kinds = await call('listSegmentKinds', {});
  const byKind = Object.fromEntries(kinds.map((k) => [k.kind, k]));
  assert.deepEqual(byKind.organ.type, { value: '113343008', scheme: 'SCT', meaning: 'Organ' });
  assert.equal(byKind.tumour.category.meaning, 'Morphologically Altered Structure');
  assert.equal(byKind.structure.category.value, '123037004');
  assert.ok(kinds.every((k) => k.category.scheme === 'SCT' && k.type.scheme === 'SCT'));
  // one segment of every kind in one SEG: dciodvfy finds neither error nor warning in the codes
  const voxels = workstation.volume(volumeId).voxels;
  const all = Uint8Array.from(voxels, (v, n) => (v > 60 ? 1 + (n % kinds.length) : 0));
  workstation.addLabelmap({ labelmapId: 'kinds', volumeId, classes: [], counts: [] }, all);
  const path = join(work, 'kinds.seg.dcm');
  await call('exportSegmentation', {
    labelmapId: 'kinds',
    format: 'dicom-seg',
    path,
    name: 'Every kind',
    segments: kinds.map((k, n) => ({
      index: n + 1,
      label: k.kind,
      color: [n * 30, 120, 200] as [number, number, number],
      kind: k.kind,
    })),
  });
  assert.deepEqual(dciodvfy(path), { errors: [], warnings: [] });
  const back = await call('importSegmentation', { volumeId, path });
  assert.deepEqual(
    back.segments.map((s) => s.kind),
    kinds.map((k) => k.kind),
  );
});

test('DICOM SEG export passes dciodvfy, is never overwritten silently, and re-imports onto the same voxels', async () => {
  const path = join(work, 'brain.seg.dcm');
  const params = {
    labelmapId: 'edited',
    format: 'dicom-seg' as const,
    path,
    name: 'Edited brain',
    segments,
  };
  const written = await call('exportSegmentation', params);
  assert.deepEqual(written.paths, [path]);
  const report = dciodvfy(path);
  assert.deepEqual(report.errors, []);
  const before = readFileSync(path);
  await assert.rejects(
    call('exportSegmentation', params),
    failsWith('exists', /brain\.seg\.dcm already exists/),
  );
  assert.deepEqual(readFileSync(path), before, 'the refused export left the file alone');
  await call('exportSegmentation', { ...params, overwrite: true });
  assert.deepEqual(
    readdirSync(work).filter((f) => f.includes('partial') || f.startsWith('.')),
    [],
  );

  const imported = await call('importSegmentation', { volumeId, path });
  assert.equal(imported.format, 'dicom-seg');
  // the empty segment has no frame, so it is not written; the others keep their order
  assert.deepEqual(
    imported.segments.map((s) => [s.index, s.label, s.kind]),
    [
      [1, 'White matter', 'tissue'],
      [2, 'Lesion', 'lesion'],
    ],
  );
  assert.deepEqual(workstation.labelmap(imported.labelmapId), labels);
});

test("NIfTI export: its affine is dcm2niix's, label tables beside it, and it re-imports with its names", async () => {
  const path = join(work, 'brain.nii.gz');
  const written = await call('exportSegmentation', {
    labelmapId: 'edited',
    format: 'nifti',
    path,
    name: 'Edited brain',
    segments,
  });
  assert.deepEqual(written.paths, [
    path,
    join(work, 'brain.labels.json'),
    join(work, 'brain.itksnap.txt'),
  ]);
  const reference = dcm2niix('assets/sample', join(work, 'dcm2niix'));
  const probe = runPythonJson<{ same: boolean; diff: number; ours: number[]; shape: number[] }>(
    `import sys, json, nibabel, numpy
a = nibabel.as_closest_canonical(nibabel.load(sys.argv[1])); b = nibabel.as_closest_canonical(nibabel.load(sys.argv[2]))
d = float(numpy.abs(a.affine - b.affine).max())
print(json.dumps({"same": a.shape == b.shape, "diff": d, "ours": numpy.unique(numpy.asarray(a.dataobj)).tolist(), "shape": list(a.shape)}))`,
    [path, reference],
  );
  assert.ok(probe.same, `shape ${probe.shape}`);
  assert.ok(probe.diff < 1e-4, `affines differ by ${probe.diff} mm`);
  assert.deepEqual(probe.ours, [0, 1, 2]);
  const table = JSON.parse(readFileSync(join(work, 'brain.labels.json'), 'utf8'));
  assert.equal(table.labels[1].type.meaning, 'Lesion');
  assert.match(readFileSync(join(work, 'brain.itksnap.txt'), 'utf8'), /"White matter"/);

  const imported = await call('importSegmentation', { volumeId, path });
  assert.equal(imported.format, 'nifti');
  assert.deepEqual(
    imported.segments.map((s) => s.label),
    ['White matter', 'Lesion', 'Nothing here'],
  );
  assert.deepEqual(workstation.labelmap(imported.labelmapId), labels);
  // dcm2niix's own file, flipped as it stores it, lands on the same voxels as the series
  const flipped = await call('importSegmentation', { volumeId, path: reference });
  assert.deepEqual(
    workstation.labelmap(flipped.labelmapId),
    Uint8Array.from(workstation.volume(volumeId).voxels),
    "dcm2niix's voxels, put back in the series' order, are the series' voxels",
  );
});

test('a file on another grid is refused with a clear error, and bad requests name the problem', async () => {
  await assert.rejects(
    call('importSegmentation', { volumeId, path: '/usr/share/mricron/templates/ch2bet.nii.gz' }),
    failsWith('invalid_input', /does not fit the open series/),
  );
  // a SEG of a series on another grid (coronal, other spacing)
  const brain = brainVoxels(8);
  const other = writeSeries(
    join(work, 'other'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.coronal,
    [2, 2, 3],
    [0, 0, 0],
  );
  const { volume, description } = await readDicomFolder(other.dir);
  const segPath = join(work, 'other.seg.dcm');
  await exportDicomSeg(
    segPath,
    { dir: other.dir, seriesInstanceUid: description.seriesInstanceUid, geometry: volume.geometry },
    Uint8Array.from(volume.voxels, (v) => (v > 100 ? 1 : 0)),
    [
      {
        labelValue: 1,
        label: 'Bright',
        color: [255, 0, 0],
        kind: 'tissue',
        algorithmType: 'MANUAL',
      },
    ],
    { seriesDescription: 'Other', softwareVersion: 'test', overwrite: false },
  );
  await assert.rejects(
    call('importSegmentation', { volumeId, path: segPath }),
    failsWith('invalid_input', /the SEG does not fit the open series/),
  );
  const garbage = join(work, 'garbage.nii');
  writeFileSync(garbage, 'not a volume at all');
  await assert.rejects(
    call('importSegmentation', { volumeId, path: garbage }),
    failsWith('invalid_input', /garbage\.nii/),
  );
  await assert.rejects(
    call('exportSegmentation', {
      labelmapId: 'edited',
      format: 'nifti',
      path: join(work, 'x.nii'),
      name: 'x',
      segments: [segments[0]],
    }),
    failsWith('bad_request', /label 2, which no segment describes/),
  );
  await assert.rejects(
    call('exportSegmentation', {
      labelmapId: 'edited',
      format: 'nifti',
      path: join(work, 'x.txt'),
      name: 'x',
      segments,
    }),
    failsWith('bad_request', /ends in \.nii or \.nii\.gz/),
  );
  await assert.rejects(
    call('importSegmentation', {
      volumeId,
      path: join(work, 'none.nii.gz'),
      uploadId: 'up-1',
    } as never),
    failsWith('bad_request', /either a path or an uploadId/),
  );
});

test('an uploaded file imports by its id, once', async () => {
  const { uploadId, path } = await workstation.segmentationUploads.create();
  copyFileSync(join(work, 'brain.seg.dcm'), path);
  const imported = await call('importSegmentation', { volumeId, uploadId });
  assert.deepEqual(workstation.labelmap(imported.labelmapId), labels);
  await assert.rejects(
    call('importSegmentation', { volumeId, uploadId }),
    failsWith('not_found', /upload the file again/),
  );
});

test('a series kept only as a volume (imported from NIfTI) exports NIfTI, and a SEG is refused saying why', async () => {
  const volume = workstation.volume(volumeId);
  const handlers = exportHandlers(
    {
      volume: () => volume,
      seriesOfVolume: () => 'nifti:0123abcd',
      labelmapEntry: () => ({
        info: { labelmapId: 'l', volumeId: 'v', classes: [], counts: [] },
        labels,
      }),
      addLabelmap: () => undefined,
    },
    { dicomSource: async () => undefined, uploads: new Uploads(), softwareVersion: 'test' },
  );
  const params = { labelmapId: 'l', name: 'x', segments, overwrite: false };
  await assert.rejects(
    handlers.exportSegmentation({
      ...params,
      format: 'dicom-seg',
      path: join(work, 'none.seg.dcm'),
    }),
    failsWith('invalid_input', /series nifti:0123abcd has none kept .*export NIfTI instead/),
  );
  const written = await handlers.exportSegmentation({
    ...params,
    format: 'nifti',
    path: join(work, 'kept.nii.gz'),
  });
  assert.equal(written.paths.length, 3);
});
