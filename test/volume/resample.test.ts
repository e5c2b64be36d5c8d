import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { voxelToLps } from '../../src/volume/affine';
import { gridAtSpacing, resample } from '../../src/volume/resample';

const c = Math.cos(0.4);
const s = Math.sin(0.4);
const oblique: VolumeGeometry = {
  dimensions: [20, 16, 12],
  spacing: [1, 1.5, 2],
  origin: [-10, 5, 30],
  direction: [c, 0, s, 0, 1, 0, -s, 0, c],
};

function sampleField(
  geometry: VolumeGeometry,
  f: (p: [number, number, number]) => number,
): Float32Array {
  const [nx, ny, nz] = geometry.dimensions;
  const out = new Float32Array(nx * ny * nz);
  for (let k = 0, n = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, n++) out[n] = f(voxelToLps(geometry, [i, j, k]));
  return out;
}

const linear = (p: [number, number, number]) => 3 * p[0] - 2 * p[1] + 0.5 * p[2] + 7;

test('resampling onto the same grid copies the voxels exactly', () => {
  const voxels = Int16Array.from({ length: 20 * 16 * 12 }, (_, n) => (n * 13) % 300);
  assert.deepEqual([...resample(voxels, oblique, oblique, 'linear')], [...voxels]);
  assert.deepEqual([...resample(voxels, oblique, oblique, 'nearest')], [...voxels]);
});

test('trilinear resampling reproduces a linear field exactly inside an oblique volume', () => {
  const target = gridAtSpacing(oblique, [0.7, 1.1, 1.3]);
  const out = resample(sampleField(oblique, linear), oblique, target, 'linear');
  const [nx, ny, nz] = target.dimensions;
  let checked = 0;
  for (let k = 2; k < nz - 2; k++)
    for (let j = 2; j < ny - 2; j++)
      for (let i = 2; i < nx - 2; i++) {
        const expected = linear(voxelToLps(target, [i, j, k]));
        assert.ok(Math.abs(out[(k * ny + j) * nx + i] - expected) < 1e-3, `${i},${j},${k}`);
        checked++;
      }
  assert.ok(checked > 1000);
});

test('gridAtSpacing keeps the field of view centred and covered', () => {
  const target = gridAtSpacing(oblique, [2, 3, 4]);
  assert.deepEqual(target.dimensions, [10, 8, 6]);
  const centre = (g: VolumeGeometry) =>
    voxelToLps(g, g.dimensions.map((n) => (n - 1) / 2) as [number, number, number]);
  centre(target).forEach((v, a) => assert.ok(Math.abs(v - centre(oblique)[a]) < 1e-9));
});

test('nearest-neighbour labels survive a round trip to a finer grid and back', () => {
  const labels = Uint8Array.from({ length: 20 * 16 * 12 }, (_, n) => (n * 7) % 5);
  const fine = gridAtSpacing(oblique, [0.5, 0.75, 1]);
  const up = resample(labels, oblique, fine, 'nearest', new Uint8Array(40 * 32 * 24));
  const back = resample(up, fine, oblique, 'nearest', new Uint8Array(labels.length));
  assert.deepEqual([...back], [...labels]);
});
