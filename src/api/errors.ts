/** Every failure that crosses the api is one of these, with a message a user can act on. */
export type ApiErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'unauthorized'
  | 'cancelled'
  | 'io_error'
  | 'invalid_input'
  /** the target of a write exists and overwriting was not asked for */
  | 'exists'
  /** a path the page may not name: outside the allowed folders, or not chosen by the user */
  | 'forbidden'
  /** closing would drop edits a page handed over and did not save; the message names them */
  | 'unsaved'
  | 'internal';

export interface ApiErrorPayload {
  code: ApiErrorCode;
  message: string;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  toPayload(): ApiErrorPayload {
    return { code: this.code, message: this.message };
  }
}
