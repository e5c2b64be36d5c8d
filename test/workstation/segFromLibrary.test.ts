// A SEG of a series imported from disk or uploaded by a browser references its images after the
// files are gone: the library keeps, at import, what a SEG needs (source.json beside the volume).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandName, CommandParams, CommandResult } from '../../src/api/commands';
import { commandSchemas } from '../../src/api/commands';
import type { ApiEvent } from '../../src/api/events';
import { readNifti } from '../../src/nifti/readNifti';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import type { Workstation } from '../../src/workstation/Workstation';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { writeDicomSeries } from '../fixtures/writeDicomSeries';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import type { SeriesFixture } from '../helpers/dicomSeries';
import { runPythonJson } from '../helpers/python';

const work = mkdtempSync(join(tmpdir(), 'seg-from-library-'));
const events: ApiEvent[] = [];
let workstation: Workstation;
let n = 0;

async function call<C extends CommandName>(
  command: C,
  params: CommandParams<C>,
): Promise<CommandResult<C>> {
  const answer = await dispatch(workstation, { id: ++n, command, params });
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return commandSchemas[command].result.parse(answer.result) as CommandResult<C>;
}

async function finished(jobId: string): Promise<ApiEvent> {
  for (;;) {
    const end = events.find(
      (e) => e.jobId === jobId && ['import.done', 'job.cancelled', 'job.failed'].includes(e.type),
    );
    if (end) return end;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function importFolder(dir: string): Promise<string> {
  const done = await finished((await call('importPaths', { paths: [dir] })).jobId);
  assert.equal(done.type, 'import.done', JSON.stringify(done));
  if (done.type !== 'import.done') throw new Error('unreachable');
  assert.deepEqual(done.errors, []);
  return [...done.imported, ...done.existing][0];
}

/** The files of a folder uploaded as a browser does, then imported (the upload is removed). */
async function uploadFolder(dir: string): Promise<string> {
  const { uploadId } = await call('createUpload', {});
  const folder = workstation.library.uploadFolder(uploadId);
  assert.ok(folder);
  cpSync(dir, folder, { recursive: true });
  const done = await finished((await call('importUpload', { uploadId })).jobId);
  assert.equal(done.type, 'import.done', JSON.stringify(done));
  if (done.type !== 'import.done') throw new Error('unreachable');
  assert.deepEqual(readdirSync(workstation.library.uploadsRoot), [], 'the upload is gone');
  return done.imported[0];
}

/** What pydicom reads of a SEG's references. */
function referencesOf(path: string) {
  return runPythonJson<{ series: string; instances: string[]; frames: [number, string][] }>(
    `import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
ref = ds.ReferencedSeriesSequence[0]
print(json.dumps({"series": ref.SeriesInstanceUID,
  "instances": [i.ReferencedSOPInstanceUID for i in ref.ReferencedInstanceSequence],
  "frames": [[int(f.FrameContentSequence[0].DimensionIndexValues[1]),
    f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID]
    for f in ds.PerFrameFunctionalGroupsSequence]}))`,
    [path],
  );
}

const segments = [
  { index: 1, label: 'Bright', color: [240, 240, 240] as [number, number, number] },
  { index: 2, label: 'Grey', color: [200, 60, 60] as [number, number, number] },
];

/** Opens the series, draws the anatomy's labels on it, exports a SEG and checks it all through. */
async function exportAndCheck(seriesId: string, fixture: SeriesFixture, name: string) {
  const { volumeId } = await call('openSeries', { seriesId });
  const labels = brainLabels(workstation.volume(volumeId).voxels as Uint16Array);
  const labelmapId = `drawn-${name}`;
  workstation.addLabelmap({ labelmapId, volumeId, classes: [], counts: [] }, labels);
  const path = join(work, `${name}.seg.dcm`);
  const written = await call('exportSegmentation', {
    labelmapId,
    format: 'dicom-seg',
    path,
    name,
    segments: segments.map((s) => ({ ...s, kind: 'tissue' as const })),
  });
  assert.deepEqual(written.paths, [path]);
  assert.deepEqual(dciodvfy(path), { errors: [], warnings: [] });
  const refs = referencesOf(path);
  assert.equal(refs.series, fixture.seriesInstanceUid);
  assert.deepEqual([...refs.instances].sort(), [...fixture.sopInstanceUids].sort());
  // the frame on slice k names the image at slice k (slice index counted from 1)
  assert.ok(refs.frames.length > 0);
  for (const [slice, uid] of refs.frames) assert.equal(uid, fixture.sopInstanceUids[slice - 1]);
  const back = await call('importSegmentation', { volumeId, path });
  assert.equal(back.format, 'dicom-seg');
  assert.deepEqual(workstation.labelmap(back.labelmapId), labels);
  return { volumeId, labelmapId };
}

before(async () => {
  workstation = await createWorkstation({
    seriesFolders: [],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'cpu',
    dataDir: join(work, 'data'),
  });
  workstation.onEvent((event) => events.push(event));
});

after(async () => {
  await workstation?.close();
  rmSync(work, { recursive: true, force: true });
});

const brain = brainVoxels(6);

test('an oblique series imported from a folder, then deleted, exports a SEG naming its images', async () => {
  const dir = join(work, 'oblique');
  const fixture = writeSeries(
    dir,
    brain.dims,
    brain.voxels,
    ORIENTATIONS.oblique,
    [6, 6, 6],
    [-40, 20, 10],
  );
  const seriesId = await importFolder(dir);
  const kept = join(
    workstation.library.library.seriesRoot,
    workstation.library.library.key(seriesId),
  );
  // the figure for the notes: what the references add to a series record
  const bytes = statSync(join(kept, 'source.json')).size;
  console.log(
    `source.json: ${bytes} bytes for ${fixture.sopInstanceUids.length} slices (${(bytes / fixture.sopInstanceUids.length).toFixed(0)} per slice); volume.bin ${statSync(join(kept, 'volume.bin')).size}`,
  );
  rmSync(dir, { recursive: true, force: true });
  await exportAndCheck(seriesId, fixture, 'oblique');
});

test('a sagittal series uploaded by a browser (the upload deleted after import) exports a SEG', async () => {
  const dir = join(work, 'sagittal');
  const fixture = writeSeries(
    dir,
    brain.dims,
    brain.voxels,
    ORIENTATIONS.sagittal,
    [6, 6, 6],
    [0, -90, 80],
  );
  const seriesId = await uploadFolder(dir);
  rmSync(dir, { recursive: true, force: true });
  await exportAndCheck(seriesId, fixture, 'sagittal');
});

test('a series stored without references (an older library) or with a damaged record is refused by name, and gets them when its files are imported again', async () => {
  const dir = join(work, 'older');
  const fixture = writeSeries(
    dir,
    brain.dims,
    brain.voxels,
    ORIENTATIONS.axial,
    [6, 6, 6],
    [0, 0, 0],
  );
  const seriesId = await importFolder(dir);
  const library = workstation.library.library;
  const sourceJson = join(library.seriesRoot, library.key(seriesId), 'source.json');
  const { volumeId } = await call('openSeries', { seriesId });
  workstation.addLabelmap(
    { labelmapId: 'older', volumeId, classes: [], counts: [] },
    brainLabels(workstation.volume(volumeId).voxels as Uint16Array),
  );
  // a damaged record is named as such
  writeFileSync(sourceJson, '{"version": 1, "kind": "dicom"');
  await assert.rejects(
    call('exportSegmentation', {
      labelmapId: 'older',
      format: 'dicom-seg',
      path: join(work, 'older.seg.dcm'),
      name: 'older',
      segments: segments.map((s) => ({ ...s, kind: 'tissue' as const })),
    }),
    (error: Error & { code?: string }) =>
      error.code === 'invalid_input' &&
      /source\.json: not a valid source record/.test(error.message),
  );
  // importing the files again writes it anew
  assert.equal(await importFolder(dir), seriesId);
  assert.equal(workstation.library.library.source(seriesId)?.kind, 'dicom');
  rmSync(sourceJson);
  await assert.rejects(
    call('exportSegmentation', {
      labelmapId: 'older',
      format: 'dicom-seg',
      path: join(work, 'older.seg.dcm'),
      name: 'older',
      segments: segments.map((s) => ({ ...s, kind: 'tissue' as const })),
    }),
    (error: Error & { code?: string }) =>
      error.code === 'invalid_input' &&
      /has none kept .*import its DICOM files again/.test(error.message),
  );
  assert.equal(await importFolder(dir), seriesId);
  rmSync(dir, { recursive: true, force: true });
  await exportAndCheck(seriesId, fixture, 'older');
});

async function refused(dir: string, reason: RegExp) {
  const seriesId = await importFolder(dir);
  const { volumeId } = await call('openSeries', { seriesId });
  const voxels = workstation.volume(volumeId).voxels;
  workstation.addLabelmap(
    { labelmapId: `refused-${seriesId}`, volumeId, classes: [], counts: [] },
    Uint8Array.from(voxels, (v) => (v > 0 ? 1 : 0)),
  );
  await assert.rejects(
    call('exportSegmentation', {
      labelmapId: `refused-${seriesId}`,
      format: 'dicom-seg',
      path: join(work, 'refused.seg.dcm'),
      name: 'refused',
      segments: [{ ...segments[0], kind: 'tissue' }],
    }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'invalid_input');
      assert.match(error.message, reason);
      return true;
    },
  );
}

test('a NIfTI series, and a DICOM one without a frame of reference, are refused a SEG, saying why', async () => {
  const nifti = join(work, 'nifti');
  mkdirSync(nifti);
  cpSync('/usr/share/mricron/templates/AICHAmc.nii.gz', join(nifti, 'atlas.nii.gz'));
  await refused(nifti, /was imported from NIfTI.*export NIfTI instead/);
  const dir = join(work, 'no-frame-of-reference');
  writeSeries(dir, brain.dims, brain.voxels, ORIENTATIONS.axial, [6, 6, 6], [0, 0, 0]);
  execFileSync('/usr/bin/python3', [
    '-c',
    `import sys, os, pydicom
for name in os.listdir(sys.argv[1]):
  path = os.path.join(sys.argv[1], name); ds = pydicom.dcmread(path)
  del ds.FrameOfReferenceUID; ds.save_as(path)`,
    dir,
  ]);
  await refused(
    dir,
    /cannot be referenced by a DICOM SEG: .*has no Frame of Reference UID.*export NIfTI instead/,
  );
});

test('an enhanced multi-frame series exports a SEG naming the one instance and, per slice, its frame', async () => {
  const single = join(work, 'single-frames');
  writeDicomSeries(
    single,
    permute(
      downsample(place(readNifti('/usr/share/mricron/templates/ch2bet.nii.gz').volume), 6),
      PLANES.coronal,
    ),
  );
  const dir = join(work, 'enhanced');
  mkdirSync(dir);
  const file = join(dir, 'enhanced.dcm');
  // frames written shuffled: frame numbers are not slice numbers
  execFileSync('/usr/bin/python3', ['test/fixtures/enhanced_mr.py', single, file]);
  const enhanced = runPythonJson<{ uid: string; positions: number[][] }>(
    `import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
print(json.dumps({"uid": ds.SOPInstanceUID, "positions": [[float(v) for v in
  f.PlanePositionSequence[0].ImagePositionPatient] for f in ds.PerFrameFunctionalGroupsSequence]}))`,
    [file],
  );
  const seriesId = await importFolder(dir);
  rmSync(dir, { recursive: true, force: true });
  const { volumeId } = await call('openSeries', { seriesId });
  const voxels = workstation.volume(volumeId).voxels;
  const labels = Uint8Array.from(voxels, (v) => (v > 60 ? 1 : 0));
  workstation.addLabelmap({ labelmapId: 'enhanced', volumeId, classes: [], counts: [] }, labels);
  const path = join(work, 'enhanced.seg.dcm');
  await call('exportSegmentation', {
    labelmapId: 'enhanced',
    format: 'dicom-seg',
    path,
    name: 'enhanced',
    segments: [{ ...segments[0], kind: 'tissue' }],
  });
  // the one warning is the fixture's: its enhanced object has no Study ID for the SEG to copy
  assert.deepEqual(dciodvfy(path), {
    errors: [],
    warnings: [
      'Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID',
    ],
  });
  const seg = runPythonJson<{ instances: string[]; frames: [string, number, number[]][] }>(
    `import sys, json, pydicom
ds = pydicom.dcmread(sys.argv[1])
ref = ds.ReferencedSeriesSequence[0]
frames = []
for f in ds.PerFrameFunctionalGroupsSequence:
  source = f.DerivationImageSequence[0].SourceImageSequence[0]
  frames.append([source.ReferencedSOPInstanceUID, int(source.ReferencedFrameNumber),
    [float(v) for v in f.PlanePositionSequence[0].ImagePositionPatient]])
print(json.dumps({"instances": [i.ReferencedSOPInstanceUID for i in ref.ReferencedInstanceSequence],
  "frames": frames}))`,
    [path],
  );
  assert.deepEqual(seg.instances, [enhanced.uid]);
  assert.ok(seg.frames.length > 0);
  // the frame a SEG frame names lies where the SEG frame lies
  for (const [uid, frame, position] of seg.frames) {
    assert.equal(uid, enhanced.uid);
    const source = enhanced.positions[frame - 1];
    assert.ok(
      position.every((v, r) => Math.abs(v - source[r]) < 1e-3),
      `frame ${frame} at ${source} for a SEG frame at ${position}`,
    );
  }
  const back = await call('importSegmentation', { volumeId, path });
  assert.deepEqual(workstation.labelmap(back.labelmapId), labels);
});
