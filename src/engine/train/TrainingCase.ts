import type { Volume } from '../../volume/Volume';
import type { Dims3 } from '../inference/patchGrid';

/** An annotated case: a volume and its labelmap on the same grid (label index per voxel). */
export interface TrainingCase {
  id: string;
  volume: Volume;
  labels: Uint8Array;
}

/** A case ready for patch sampling: on the model's grid, normalised, foreground indexed. */
export interface PreparedCase {
  id: string;
  /** [depth, height, width] */
  dims: Dims3;
  image: Float32Array;
  labels: Uint8Array;
  /** indices of foreground voxels (a bounded, evenly spread subset) to centre patches on */
  foreground: Int32Array;
}
