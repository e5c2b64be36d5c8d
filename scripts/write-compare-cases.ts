// Writes the compare protocol's real cases (scripts/atlasCases.ts) as image / labels NIfTI pairs
// and prints the `cli compare` arguments that use them:
//   node --import tsx scripts/write-compare-cases.ts <dir>
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeNifti } from '../src/nifti/writeNifti';
import { compareCases } from './atlasCases';

const dir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node --import tsx scripts/write-compare-cases.ts <dir>');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const args: string[] = [];
for (const c of compareCases()) {
  const name = c.id.replace(/[^A-Za-z0-9.+-]/g, '_');
  const image = join(dir, `${name}.nii.gz`);
  const labels = join(dir, `${name}-labels.nii.gz`);
  await writeNifti(image, c.volume.geometry, c.volume.voxels, { overwrite: true });
  await writeNifti(labels, c.volume.geometry, c.labels, { overwrite: true });
  const counts = [0, 0, 0];
  for (const l of c.labels) counts[l]++;
  console.error(
    `${c.id}: ${c.volume.geometry.dimensions.join('x')} at ${c.volume.geometry.spacing.join('x')} mm, voxels per class ${counts.join(' / ')}`,
  );
  args.push('--image', image, '--labels', labels);
}
console.log(args.join(' '));
