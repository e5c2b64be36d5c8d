import type { Dims3 } from './patchGrid';

/** A network as the sliding window sees it: patches in, per-class probabilities out. */
export interface PatchPredictor {
  readonly channels: number;
  /**
   * `input` holds `count` patches of `patch` voxels each ([n][z][y][x]); returns
   * `count * voxels * channels` values, channels last ([n][z][y][x][c]).
   */
  predict(input: Float32Array, count: number, patch: Dims3): Promise<Float32Array>;
}
