import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import type { Dims3 } from '../../src/engine/inference/patchGrid';
import { voxelPatchSource } from '../../src/engine/inference/PatchSource';
import { resampledPatchSource } from '../../src/engine/inference/resampledPatchSource';
import { mappedArgmaxSink } from '../../src/engine/inference/sinks';
import { canonicalGrid } from '../../src/volume/canonicalGrid';
import { gridAtSpacing, resample } from '../../src/volume/resample';
import { canonicalIndexMap } from '../../src/volume/voxelIndexMap';

const coronal: VolumeGeometry = {
  dimensions: [11, 9, 10],
  spacing: [1, 1.4, 1.2],
  origin: [-30, 20, 50],
  direction: [1, 0, 0, 0, 0, -1, 0, 1, 0],
};
const grid = gridAtSpacing(canonicalGrid(coronal), [1.5, 0.9, 1.1]);
const voxels = Int16Array.from({ length: 990 }, (_, n) => ((n * 37) % 101) - 40);
const normalise = (v: number) => v / 8 - 1;
const patch: Dims3 = [4, 5, 6];

function read(
  source: { readPatch: (s: Dims3, p: Dims3, o: Float32Array, at: number) => void },
  start: Dims3,
) {
  const out = new Float32Array(2 + patch[0] * patch[1] * patch[2]).fill(7);
  source.readPatch(start, patch, out, 2);
  return out;
}

test('patches resampled a slab at a time equal those cut from the whole resample, in any order', () => {
  const whole = resample(voxels, coronal, grid, 'linear');
  const [cols, rows, slices] = grid.dimensions;
  const reference = voxelPatchSource(whole, [slices, rows, cols], normalise);
  const slabs = resampledPatchSource(voxels, coronal, grid, normalise, patch[0]);
  assert.deepEqual(slabs.dims, reference.dims);
  // Down the volume with overlap, a jump back, past the end (zero padding), and again.
  const starts: Dims3[] = [
    [0, 0, 0],
    [0, 3, 4],
    [2, 0, 1],
    [3, 2, 2],
    [1, 1, 1],
    [slices - 2, rows - 3, cols - 2],
    [0, 0, 0],
  ];
  for (const start of starts)
    assert.deepEqual(read(slabs, start), read(reference, start), `${start}`);
});

test('a patch deeper than the slab is refused', () => {
  const slabs = resampledPatchSource(voxels, coronal, grid, normalise, 2);
  assert.throws(() => read(slabs, [0, 0, 0]), /4 slices deep does not fit a 2-slice slab/);
});

test('labels of the canonical grid go through the index map to the stored voxels they came from', () => {
  const map = canonicalIndexMap(coronal);
  const [cols, rows] = canonicalGrid(coronal).dimensions;
  const labels = new Uint8Array(990).fill(9);
  // Class 1 wins at canonical voxel (x, y, z) = (2, 3, 4) only, in a slab of slices 4 and 5.
  const probabilities = new Float32Array(2 * rows * cols * 2);
  for (let v = 0; v < 2 * rows * cols; v++) probabilities[2 * v] = 1;
  const v = (0 * rows + 3) * cols + 2;
  probabilities[2 * v + 1] = 2;
  mappedArgmaxSink(labels, [rows, cols], map, 2)(4, 2, probabilities);
  const stored = map.offset + 2 * map.strides[0] + 3 * map.strides[1] + 4 * map.strides[2];
  assert.equal(labels[stored], 1);
  // Coronal: canonical slices (k, superior) are stored rows run inferior; 2 slices x 11 x 10 written.
  assert.equal(labels.filter((l) => l === 0).length, 2 * rows * cols - 1);
  assert.equal(labels.filter((l) => l === 9).length, 990 - 2 * rows * cols);
});
