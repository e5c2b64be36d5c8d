/**
 * Voxel values read by their index on some grid without being stored there: a volume seen
 * through a re-indexing or a resampling, so that statistics over it need no copy.
 */
export interface VoxelView {
  readonly length: number;
  value(n: number): number;
}
