import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DicomWebClient } from '../../src/pacs/DicomWebClient';
import { PacsError } from '../../src/pacs/PacsError';
import { retrieveSeries } from '../../src/pacs/retrieveSeries';

// Answers a DICOMweb server could give that Orthanc will not: a fake bound to loopback only.
async function fake(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const client = new DicomWebClient({
    url: `http://127.0.0.1:${address.port}/dicom-web`,
    auth: { kind: 'none' },
  });
  return { client, close: () => server.close() };
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/dicom+json' });
  res.end(JSON.stringify(value));
}

test('an instance UID that could leave the target folder is refused before anything is written', async () => {
  const server = await fake((_req, res) =>
    json(res, 200, [{ '00080018': { vr: 'UI', Value: ['../../escape'] } }]),
  );
  const target = join(mkdtempSync(join(tmpdir(), 'pacs-client-')), 'series');
  await assert.rejects(
    retrieveSeries(server.client, { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3' }, target),
    (e: Error) =>
      e instanceof PacsError &&
      e.kind === 'bad-response' &&
      /without a valid SOP Instance UID/.test(e.message),
  );
  assert.equal(existsSync(`${target}.partial`), false);
  server.close();
});

test('STOW-RS: a multipart body goes out, and refusals come back as a rejected error naming them', async () => {
  let received = '';
  const server = await fake((req, res, body) => {
    received = `${req.headers['content-type']}|${body.includes(Buffer.from('DICM-ish payload'))}`;
    json(res, 409, {
      '00081198': {
        vr: 'SQ',
        Value: [
          {
            '00081155': { vr: 'UI', Value: ['1.2.3.4'] },
            '00081197': { vr: 'US', Value: [43264] },
          },
        ],
      },
    });
  });
  await assert.rejects(
    server.client.store([new TextEncoder().encode('DICM-ish payload')]),
    (e: Error) =>
      e instanceof PacsError &&
      e.kind === 'rejected' &&
      /1\.2\.3\.4 \(failure reason 43264\)/.test(e.message),
  );
  assert.match(received, /^multipart\/related; type="application\/dicom"; boundary=\S+\|true$/);
  server.close();
});

test('server errors and an empty search are told apart', async () => {
  const server = await fake((req, res) => {
    if (req.url?.includes('PatientID=none')) {
      res.writeHead(204);
      res.end();
    } else if (req.url?.includes('PatientID=boom')) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('database is locked');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  assert.deepEqual(await server.client.searchStudies({ PatientID: 'none' }), []);
  await assert.rejects(
    server.client.searchStudies({ PatientID: 'boom' }),
    /failed: 500 Internal Server Error \(database is locked\)/,
  );
  await assert.rejects(
    server.client.searchSeries('1.2'),
    /was not found \(404\): is the URL the DICOMweb root\?/,
  );
  server.close();
});
