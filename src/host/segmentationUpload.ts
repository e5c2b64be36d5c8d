import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Uploads } from '../workstation/export/uploads';

/** A DICOM SEG or NIfTI labelmap is far below this; anything larger is refused unread. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/**
 * `PUT /segmentation-uploads`: a SEG or NIfTI file the user picked in the browser, kept for
 * `importSegmentation({ uploadId })`. Answers `{ uploadId }`; false when the request is not one.
 * The host has checked the token and origin before.
 */
export async function handleSegmentationUpload(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  uploads: Uploads,
  headers: Record<string, string>,
): Promise<boolean> {
  if (request.method !== 'PUT' || url.pathname !== '/segmentation-uploads') return false;
  const answer = (status: number, body: unknown) => {
    response.writeHead(status, {
      ...headers,
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    });
    response.end(JSON.stringify(body));
  };
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    request.resume();
    answer(413, { error: `the file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB` });
    return true;
  }
  const { uploadId, path } = await uploads.create();
  const file = await open(path, 'wx', 0o600);
  let received = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > MAX_UPLOAD_BYTES) continue; // read to the end, keep nothing more
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  if (received > MAX_UPLOAD_BYTES || received === 0) {
    await rm(path, { force: true });
    answer(received === 0 ? 400 : 413, {
      error: received === 0 ? 'the upload is empty' : 'the file is too large',
    });
    return true;
  }
  answer(200, { uploadId });
  return true;
}
