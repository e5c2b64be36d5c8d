// Series grouping and splitting on folders that mix things up, checked against dcm2niix's split.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadSeries, scanSeries } from '../../src/dicom/series';
import { readNifti } from '../../src/nifti/readNifti';
import { runDcm2niix } from '../fixtures/dcm2niix';
import { PLANES, downsample, permute, place } from '../fixtures/reslice';
import { compareVolumes } from '../fixtures/sameVolume';
import { newUid, writeDicomSeries } from '../fixtures/writeDicomSeries';

const work = mkdtempSync(join(tmpdir(), 'grouping-'));
after(() => rmSync(work, { recursive: true, force: true }));
const brain = permute(
  downsample(place(readNifti('/usr/share/mricron/templates/ch2bet.nii.gz').volume), 4),
  PLANES.axial,
);

async function oursAndTheirs(dir: string) {
  const { groups, issues } = await scanSeries([dir]);
  const volumes = [];
  for (const group of groups) volumes.push({ group, ...(await loadSeries(group)) });
  return { volumes, issues, theirs: [...runDcm2niix(dir).values()].map((n) => n.volume) };
}

test('two series interleaved in one folder come apart, each matching dcm2niix', async () => {
  const dir = join(work, 'interleaved');
  const study = newUid();
  writeDicomSeries(dir, brain, { studyUid: study, seriesNumber: 1, description: 'first' });
  // The same study, another series: the whole head (ch2) in sagittal slices.
  const head = downsample(place(readNifti('/usr/share/mricron/templates/ch2.nii.gz').volume), 4);
  writeDicomSeries(dir, permute(head, PLANES.sagittal), {
    studyUid: study,
    seriesNumber: 2,
    description: 'second',
  });
  const { volumes, theirs } = await oursAndTheirs(dir);
  assert.deepEqual(volumes.map((v) => v.group.slices[0].seriesDescription).sort(), [
    'first',
    'second',
  ]);
  assert.equal(theirs.length, 2);
  for (const { volume } of volumes) {
    assert.equal(
      theirs.filter((t) => {
        try {
          compareVolumes(volume, t);
          return true;
        } catch {
          return false;
        }
      }).length,
      1,
    );
  }
});

test('a two-echo series splits by echo, as dcm2niix does', async () => {
  const dir = join(work, 'echoes');
  const series = newUid();
  writeDicomSeries(dir, brain, { seriesUid: series, echoNumber: () => 1, prefix: 'e1-' });
  writeDicomSeries(dir, brain, { seriesUid: series, echoNumber: () => 2, prefix: 'e2-' });
  const { volumes, theirs } = await oursAndTheirs(dir);
  assert.deepEqual(volumes.map((v) => v.group.split).sort(), ['echo 1', 'echo 2']);
  assert.deepEqual(volumes.map((v) => v.group.id).sort(), [`${series}.1`, `${series}.2`]);
  assert.equal(theirs.length, 2);
});

test('a repeated acquisition at the same positions splits by Acquisition Number', async () => {
  const dir = join(work, 'repeat');
  const series = newUid();
  writeDicomSeries(dir, brain, { seriesUid: series, acquisitionNumber: () => 1, prefix: 'a1-' });
  writeDicomSeries(dir, brain, { seriesUid: series, acquisitionNumber: () => 2, prefix: 'a2-' });
  const { volumes } = await oursAndTheirs(dir);
  assert.deepEqual(
    volumes.map((v) => v.group.split),
    ['acquisition 1', 'acquisition 2'],
  );
  assert.deepEqual(
    volumes.map((v) => v.volume.geometry.dimensions[2]),
    [brain.dims[2], brain.dims[2]],
  );
});

test('cardiac phases at the same positions split by Trigger Time', async () => {
  const dir = join(work, 'phases');
  const series = newUid();
  for (const [n, time] of [0, 350, 700].entries()) {
    writeDicomSeries(dir, brain, {
      seriesUid: series,
      prefix: `p${n}-`,
      extra: () => ({ TriggerTime: String(time) }),
    });
  }
  const { volumes } = await oursAndTheirs(dir);
  assert.deepEqual(
    volumes.map((v) => v.group.split),
    ['trigger time 0', 'trigger time 350', 'trigger time 700'],
  );
});

test('a series numbering every slice as its own acquisition stays one volume', async () => {
  const dir = join(work, 'per-slice-acquisition');
  writeDicomSeries(dir, brain, { acquisitionNumber: (k) => k + 1 });
  const { volumes, theirs } = await oursAndTheirs(dir);
  assert.equal(volumes.length, 1);
  compareVolumes(volumes[0].volume, theirs[0]);
});

test('rescale slope varying per slice gives a float volume equal to dcm2niix', async () => {
  const dir = join(work, 'varying-rescale');
  writeDicomSeries(dir, brain, { rescale: (k) => ({ slope: 1 + (k % 3) * 0.25, intercept: -k }) });
  const { volumes, theirs } = await oursAndTheirs(dir);
  assert.ok(volumes[0].volume.voxels instanceof Float32Array);
  assert.equal(theirs.length, 1);
  compareVolumes(volumes[0].volume, theirs[0], { valueTolerance: 1e-3 });
});
