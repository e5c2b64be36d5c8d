import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMultipart, parseMultipart } from '../../src/pacs/multipart';

test('multipart/related bodies split into their parts, binary content intact', () => {
  const files = [
    new Uint8Array([0, 13, 10, 45, 45, 255]),
    new Uint8Array(0),
    new Uint8Array(1000).fill(7),
  ];
  const { body, contentType } = buildMultipart(files);
  const parts = parseMultipart(body, contentType);
  assert.deepEqual(
    parts.map((p) => p.body),
    files,
  );
  assert.equal(parts[0].headers['content-type'], 'application/dicom');
  const quoted = contentType.replace(/boundary=(\S+)/, 'boundary="$1"');
  assert.equal(parseMultipart(body, quoted).length, 3);
});

test('a multipart body cut short or not multipart at all is a bad-response error', () => {
  const { body, contentType } = buildMultipart([new Uint8Array(500).fill(1)]);
  assert.throws(
    () => parseMultipart(body.subarray(0, 300), contentType),
    /ends inside a part: cut short/,
  );
  assert.throws(
    () => parseMultipart(body, 'text/html'),
    /expected a multipart answer, got text\/html/,
  );
  assert.throws(
    () => parseMultipart(new TextEncoder().encode('<html>oops</html>'), contentType),
    (e: Error & { kind?: string }) => e.kind === 'bad-response' && /no part/.test(e.message),
  );
});
