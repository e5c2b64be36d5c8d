/** A file that cannot be read as an image slice, with the file named and the problem said. */
export class DicomReadError extends Error {
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'DicomReadError';
    this.path = path;
  }
}
