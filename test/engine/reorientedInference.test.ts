// Sagittal, coronal, flipped and oblique series are segmented on their canonical grid through
// index strides (issue 17): the labels must be those of the former whole-volume resample path bit
// for bit, and those of the axial original re-stored the same way.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadSeries, scanSeries } from '../../src/dicom/series';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { inferVolume, type InferencePlan } from '../../src/engine/inference/inferVolume';
import type { PatchPredictor } from '../../src/engine/inference/PatchPredictor';
import { inferencePlan } from '../../src/engine/models/inferencePlan';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import { createPredictor, loadModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import type { Volume } from '../../src/volume/Volume';
import { colinCase } from '../../scripts/mricronCases';
import { cropVolume, PLANES, restoreVolume, restoreVoxels } from '../helpers/restoreVolume';
import { resampleThenInfer } from '../helpers/resampleThenInfer';

let network: PatchPredictor;
let plan: InferencePlan;
let axial: Volume;

before(async () => {
  await tf.setBackend('wasm');
  const [entry] = await loadModelEntries('assets/models');
  assert.equal(entry.kind, 'network');
  plan = inferencePlan(entry);
  network = createPredictor((await loadModel(entry.dir)).model, 'repeat');
  // The bundled sample (real DICOM, axial, 2 mm: the shipped model's spacing), cropped to the
  // brain's middle so that the network runs a few dozen patches.
  const { volume } = await readDicomFolder('assets/sample');
  axial = cropVolume(volume, [20, 24, 24], [48, 56, 40]);
});

const differences = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0);

test('sagittal and coronal copies of the sample get the axial labels, re-stored the same way', async () => {
  const labels = await inferVolume(axial, network, plan);
  const classes = new Set(labels);
  assert.ok(classes.size === 3, `the network finds all three classes (${[...classes]})`);
  for (const [plane, axes] of Object.entries(PLANES)) {
    const stored = restoreVolume(axial, axes);
    assert.notDeepEqual(stored.geometry.direction, axial.geometry.direction);
    const ours = await inferVolume(stored, network, plan);
    const expected = restoreVoxels(labels, axial.geometry, axes);
    assert.equal(differences(ours, expected), 0, `${plane}: labels differ from the axial ones`);
    const before = await resampleThenInfer(stored, network, plan);
    assert.equal(differences(ours, before), 0, `${plane}: labels differ from the resample path`);
  }
});

test('an oblique copy (tilted 15 degrees) is re-indexed, not resampled: it gets the labels of the grid it tilts', async () => {
  const sagittal = restoreVolume(axial, PLANES.sagittal);
  const [c, s] = [Math.cos(0.26), Math.sin(0.26)];
  // Rows and columns turned about the slice normal (-x): no direction along a patient axis but x.
  const oblique: Volume = {
    voxels: sagittal.voxels,
    geometry: { ...sagittal.geometry, direction: [0, c, -s, 0, -s, -c, -1, 0, 0] },
  };
  const ours = await inferVolume(oblique, network, plan);
  assert.equal(differences(ours, await inferVolume(sagittal, network, plan)), 0);
  assert.equal(differences(ours, await resampleThenInfer(oblique, network, plan)), 0);
});

test('a model spacing that differs resamples one slab at a time, to the labels of the whole-volume resample', async () => {
  const coronal = restoreVolume(axial, PLANES.coronal);
  const coarser: InferencePlan = { ...plan, spacing: [2.6, 2.3, 2.9] };
  const ours = await inferVolume(coronal, network, coarser);
  assert.equal(differences(ours, await resampleThenInfer(coronal, network, coarser)), 0);
  assert.ok(new Set(ours).size === 3);
});

test('real non-axial series: the flipped Colin27 NIfTI and pydicom sagittal and coronal MR give the resample path labels', async () => {
  // mricron-data's NIfTI, RAS-stored: in LPS its rows and columns run backwards.
  const flipped = colinCase('ch2bet.nii.gz', 4).volume;
  assert.deepEqual(flipped.geometry.direction, [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
  // At 4 mm: re-indexed at its own spacing, resampled in slabs to the model's 2 mm.
  for (const p of [{ ...plan, spacing: undefined }, plan]) {
    const ours = await inferVolume(flipped, network, p);
    assert.equal(differences(ours, await resampleThenInfer(flipped, network, p)), 0);
  }
  // Single sagittal and coronal images (16 x 16) from python3-pydicom's dicomdirtests, at
  // their own spacing (re-indexed) and at the model's (resampled in slabs).
  const dir = '/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/98892003/MR2';
  const { groups } = await scanSeries([dir]);
  const planes = new Set<string>();
  for (const group of groups) {
    const { volume } = await loadSeries(group);
    const normal = volume.geometry.direction.slice(6).map((v) => Math.round(Math.abs(v)));
    const plane = normal[0] ? 'sagittal' : normal[1] ? 'coronal' : 'axial';
    planes.add(plane);
    for (const p of [{ ...plan, spacing: undefined }, plan]) {
      const labels = await inferVolume(volume, network, p);
      assert.equal(
        differences(labels, await resampleThenInfer(volume, network, p)),
        0,
        `${group.slices[0].path} (${plane}, spacing ${p.spacing ?? 'its own'})`,
      );
    }
  }
  assert.deepEqual([...planes].sort(), ['axial', 'coronal', 'sagittal']);
});
