export type PacsErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'timeout'
  | 'cancelled'
  | 'bad-response'
  | 'rejected'
  | 'http';

/** A DICOMweb request that failed, with what kind of failure it was and a sentence for the user. */
export class PacsError extends Error {
  constructor(
    readonly kind: PacsErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PacsError';
  }
}
