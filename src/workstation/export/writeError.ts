import { ApiError } from '../../api/errors';
import { errorMessage } from '../../errors/errorMessage';
import { FileExistsError } from '../../files/atomicWrite';

/** A write failure as the user should read it: an existing target is `exists`, naming it. */
export function writeError(error: unknown, target: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FileExistsError) return new ApiError('exists', error.message);
  return new ApiError('io_error', `could not write ${target}: ${errorMessage(error)}`);
}
