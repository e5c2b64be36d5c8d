/**
 * Why a file or series was not imported. `not-image` files (SR, PR, RTSTRUCT, DICOMDIR, stray
 * non-image objects) and `duplicate` copies of an image already seen are skipped and counted;
 * everything else is an error a user should see.
 */
export type DicomProblem =
  | 'empty'
  | 'not-dicom'
  | 'not-image'
  | 'duplicate'
  | 'unsupported'
  | 'malformed'
  | 'truncated'
  | 'geometry'
  /** a frame that outlasted its decoding time budget (a hostile or broken stream) */
  | 'timeout'
  | 'io';

/** A file that cannot be read as an image slice, with the file named and the problem said. */
export class DicomReadError extends Error {
  readonly path: string;
  readonly problem: DicomProblem;

  constructor(path: string, message: string, problem: DicomProblem = 'malformed') {
    super(`${path}: ${message}`);
    this.name = 'DicomReadError';
    this.path = path;
    this.problem = problem;
  }
}
