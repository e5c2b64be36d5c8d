/** A segmentation that does not lie on the voxels of the series it is opened on; says how. */
export class GridMismatchError extends Error {
  constructor(what: string, problem: string) {
    super(`${what} does not fit the open series: ${problem}`);
    this.name = 'GridMismatchError';
  }
}
