import { ApiError } from '../../api/errors';
import { CancelledError } from '../../engine/inference/CancelledError';
import { PacsError } from '../../pacs/PacsError';
import { errorMessage } from '../../errors/errorMessage';

/** A PACS failure as the api reports it: the PacsError's sentence, with a code the UI can act on. */
export function pacsApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CancelledError) return new ApiError('cancelled', error.message);
  if (error instanceof PacsError) {
    const code =
      error.kind === 'unauthorized' || error.kind === 'forbidden'
        ? 'unauthorized'
        : error.kind === 'cancelled'
          ? 'cancelled'
          : error.kind === 'not-found'
            ? 'not_found'
            : 'io_error';
    return new ApiError(code, error.message);
  }
  return new ApiError('bad_request', errorMessage(error));
}
