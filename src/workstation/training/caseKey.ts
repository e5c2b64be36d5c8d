import { createHash } from 'node:crypto';
import type { Volume } from '../../volume/Volume';
import { voxelTypeOf } from '../../volume/Volume';

/**
 * A case's stable identity: SHA-256 of its grid, voxels and labels (first 16 hex digits). The
 * same image and labelmap get the same key in every session, whatever path, id or order they
 * come with, so a seeded split of them is reproducible; another labelmap of the same image is
 * another case.
 */
export function caseKey(volume: Volume, labels: Uint8Array): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(volume.geometry));
  hash.update(voxelTypeOf(volume.voxels));
  hash.update(
    new Uint8Array(volume.voxels.buffer, volume.voxels.byteOffset, volume.voxels.byteLength),
  );
  hash.update(labels);
  return hash.digest('hex').slice(0, 16);
}
