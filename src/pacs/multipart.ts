import { randomBytes } from 'node:crypto';
import { PacsError } from './PacsError';

export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The boundary of a multipart Content-Type header, quoted or not. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Splits a multipart/related body (RFC 2387, as WADO-RS answers) into its parts. Throws a
 * bad-response PacsError when the body does not have the structure its header announces, as a
 * body cut short does: a part without its closing delimiter is never returned.
 */
export function parseMultipart(body: Uint8Array, contentType: string): Part[] {
  const boundary = boundaryOf(contentType);
  if (!/^multipart\//i.test(contentType) || !boundary) {
    throw new PacsError(
      'bad-response',
      `expected a multipart answer, got ${contentType || 'no Content-Type'}`,
    );
  }
  const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  let at = data.indexOf(delimiter);
  if (at < 0) throw new PacsError('bad-response', 'the multipart answer has no part');
  const parts: Part[] = [];
  for (;;) {
    let start = at + delimiter.length;
    if (data[start] === 0x2d && data[start + 1] === 0x2d) return parts; // closing "--"
    if (data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
    const next = data.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next < 0)
      throw new PacsError('bad-response', 'the multipart answer ends inside a part: cut short?');
    const headerEnd = data.indexOf('\r\n\r\n', start);
    if (headerEnd < 0 || headerEnd > next)
      throw new PacsError('bad-response', 'a multipart part has no header');
    const headers: Record<string, string> = {};
    for (const line of data.subarray(start, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: new Uint8Array(data.subarray(headerEnd + 4, next)) });
    at = next + 2;
  }
}

/** A multipart/related body of DICOM files for STOW-RS, with its Content-Type. */
export function buildMultipart(files: Uint8Array[]): { body: Uint8Array; contentType: string } {
  const boundary = `acsws-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const file of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      Buffer.from(file),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: new Uint8Array(Buffer.concat(chunks)),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}
