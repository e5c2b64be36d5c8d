// DICOMweb against a real Orthanc with authentication. Run by orthanc.test.ts inside a
// loopback-only network namespace (Orthanc listens on all interfaces); not a .test.ts itself.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { decodeSeg } from '../../src/dicom/seg/decodeSeg';
import { encodeSeg } from '../../src/dicom/seg/encodeSeg';
import { readSourceSeries } from '../../src/dicom/seg/readSourceSeries';
import { DicomWebClient } from '../../src/pacs/DicomWebClient';
import type { PacsErrorKind } from '../../src/pacs/PacsError';
import { PacsError } from '../../src/pacs/PacsError';
import { partialDirOf, retrieveSeries } from '../../src/pacs/retrieveSeries';
import type { RetrieveProgress } from '../../src/pacs/retrieveSeries';
import { dciodvfy } from '../helpers/dicom3tools';
import { brainLabels, brainVoxels, ORIENTATIONS, writeSeries } from '../helpers/dicomSeries';
import type { SeriesFixture } from '../helpers/dicomSeries';
import { startOrthanc, uploadToOrthanc } from '../helpers/orthanc';
import type { Orthanc } from '../helpers/orthanc';

const USERS = { alice: 'wonderland-42' };
const work = mkdtempSync(join(tmpdir(), 'pacs-'));
const brain = brainVoxels(6);
let orthanc: Orthanc;
let series: SeriesFixture;
let client: DicomWebClient;

function kindOf(kind: PacsErrorKind) {
  return (error: unknown) => {
    assert.ok(error instanceof PacsError, String(error));
    assert.equal(error.kind, kind, error.message);
    return true;
  };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { url: `http://127.0.0.1:${address.port}/dicom-web`, server };
}

/** Forwards to Orthanc; `cut(n)` says whether the n-th instance answer is to be cut halfway. */
async function proxy(cut: (instance: number) => boolean) {
  let instances = 0;
  const { url, server } = await listen((req, res) => {
    const isInstance = /\/instances\/[0-9.]+$/.test(req.url ?? '');
    const n = isInstance ? ++instances : 0;
    void fetch(`${orthanc.rest}${req.url}`, {
      headers: {
        authorization: req.headers.authorization ?? '',
        accept: req.headers.accept ?? '*/*',
      },
    }).then(async (answer) => {
      const body = Buffer.from(await answer.arrayBuffer());
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? '',
        'content-length': body.length,
      });
      if (isInstance && cut(n)) {
        res.write(body.subarray(0, body.length >> 1));
        res.flushHeaders();
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(body);
      }
    });
  });
  return { url, server, requests: () => instances };
}

before(async () => {
  orthanc = await startOrthanc(USERS);
  series = writeSeries(
    join(work, 'source'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.oblique,
    [1.5, 1.25, 2.5],
    [-21.5, 30.25, 40],
  );
  await uploadToOrthanc(
    orthanc,
    readdirSync(series.dir).map((f) => readFileSync(join(series.dir, f))),
  );
  client = new DicomWebClient({
    url: orthanc.dicomWeb,
    auth: { kind: 'basic', username: 'alice', password: USERS.alice },
  });
});

after(async () => {
  await orthanc?.stop();
});

test('QIDO-RS finds the uploaded study and its series', async () => {
  const studies = await client.searchStudies({ PatientID: 'FIXTURE-1' });
  assert.equal(studies.length, 1);
  assert.equal(studies[0].studyInstanceUid, series.studyInstanceUid);
  assert.equal(studies[0].patientName, 'Fixture^Brain');
  assert.deepEqual(await client.searchStudies({ PatientID: 'NOBODY' }), []);
  const found = await client.searchSeries(series.studyInstanceUid);
  assert.deepEqual(
    found.map((s) => [s.seriesInstanceUid, s.modality, s.numberOfInstances]),
    [[series.seriesInstanceUid, 'MR', brain.dims[2]]],
  );
});

test('a series retrieved by WADO-RS lands whole in the target folder and reads as the source', async () => {
  const target = join(work, 'library', 'retrieved');
  const events: RetrieveProgress[] = [];
  const result = await retrieveSeries(client, series, target, {
    onProgress: (p) => events.push(p),
  });
  assert.equal(result.instances, brain.dims[2]);
  assert.equal(result.resumed, 0);
  assert.deepEqual(events.at(-1)?.done, brain.dims[2]);
  assert.ok(events.every((e, n) => n === 0 || e.done === events[n - 1].done + 1));
  assert.equal(existsSync(partialDirOf(target)), false);
  const { volume } = await readDicomFolder(target);
  assert.deepEqual(Array.from(volume.voxels), Array.from(brain.voxels));
  await assert.rejects(retrieveSeries(client, series, target), /already exists/);
});

test('a SEG made on the retrieved series goes back by STOW-RS, is found by QIDO and passes dciodvfy', async () => {
  const local = join(work, 'library', 'for-seg');
  await retrieveSeries(client, series, local);
  const { description, volume } = await readDicomFolder(local);
  const source = await readSourceSeries(local, description.seriesInstanceUid, volume.geometry);
  // "segment it": one structure, the brightest tissue
  const labels = Uint8Array.from(brainLabels(brain.voxels), (v) => (v === 1 ? 1 : 0));
  const seg = encodeSeg(
    source,
    labels,
    [
      {
        labelValue: 1,
        label: 'Brain',
        color: [200, 30, 30],
        kind: 'organ',
        algorithmType: 'AUTOMATIC',
        algorithmName: 'threshold',
      },
    ],
    { seriesDescription: 'Brain by threshold', softwareVersion: '0.1.0' },
  );
  const stored = await client.store([seg]);
  assert.equal(stored.stored.length, 1);

  const segSeries = await client.searchSeries(series.studyInstanceUid, { Modality: 'SEG' });
  assert.equal(segSeries.length, 1);
  assert.equal(segSeries[0].seriesDescription, 'Brain by threshold');
  const back = join(work, 'library', 'seg-back');
  await retrieveSeries(
    client,
    {
      studyInstanceUid: series.studyInstanceUid,
      seriesInstanceUid: segSeries[0].seriesInstanceUid,
    },
    back,
  );
  const [file] = readdirSync(back);
  const report = dciodvfy(join(back, file));
  assert.deepEqual(report.errors, []);
  const decoded = decodeSeg(
    readFileSync(join(back, file)),
    volume.geometry,
    source.frameOfReferenceUid,
  );
  assert.deepEqual(
    decoded.labelmap,
    Uint8Array.from(labels, (v) => (v === 1 ? 1 : 0)),
  );
});

test('a wrong password is an unauthorized error and retrieves nothing', async () => {
  const wrong = new DicomWebClient({
    url: orthanc.dicomWeb,
    auth: { kind: 'basic', username: 'alice', password: 'guess' },
  });
  await assert.rejects(wrong.searchStudies(), kindOf('unauthorized'));
  const none = new DicomWebClient({ url: orthanc.dicomWeb, auth: { kind: 'none' } });
  await assert.rejects(none.searchStudies(), /refused the credentials \(401\)/);
  const target = join(work, 'library', 'unauthorized');
  await assert.rejects(retrieveSeries(wrong, series, target), kindOf('unauthorized'));
  assert.equal(existsSync(target), false);
  assert.equal(existsSync(partialDirOf(target)), false);
});

test('a retrieve cut halfway leaves nothing in the library; the next one resumes', async () => {
  const cutting = await proxy((n) => n === 6);
  const target = join(work, 'library', 'cut');
  const through = (url: string) =>
    new DicomWebClient({ url, auth: { kind: 'basic', username: 'alice', password: USERS.alice } });
  await assert.rejects(
    retrieveSeries(through(cutting.url), series, target, { concurrency: 1 }),
    kindOf('bad-response'),
  );
  assert.equal(existsSync(target), false);
  assert.equal(readdirSync(partialDirOf(target)).filter((f) => f.endsWith('.dcm')).length, 5);
  cutting.server.close();

  const passing = await proxy(() => false);
  const result = await retrieveSeries(through(passing.url), series, target);
  passing.server.close();
  assert.equal(result.resumed, 5);
  assert.equal(
    passing.requests(),
    brain.dims[2] - 5,
    'only the missing instances are fetched again',
  );
  assert.deepEqual(
    Array.from((await readDicomFolder(target)).volume.voxels),
    Array.from(brain.voxels),
  );
});

test('a cancelled retrieve stops, leaves nothing in the library, and resumes later', async () => {
  const target = join(work, 'library', 'cancelled');
  const controller = new AbortController();
  await assert.rejects(
    retrieveSeries(client, series, target, {
      signal: controller.signal,
      concurrency: 2,
      onProgress: (p) => (p.done >= 3 ? controller.abort() : undefined),
    }),
    kindOf('cancelled'),
  );
  assert.equal(existsSync(target), false);
  const result = await retrieveSeries(client, series, target);
  assert.ok(result.resumed >= 3 && result.resumed < brain.dims[2], `resumed ${result.resumed}`);
});

test('a server answering garbage, or not at all, is a clear error and imports nothing', async () => {
  const seen: string[] = [];
  const garbage = await listen((req, res) => {
    seen.push(req.headers.authorization ?? '');
    if (req.url?.startsWith('/moved/')) {
      res.writeHead(302, { location: 'http://127.0.0.1:9/dicom-web/studies' });
      res.end();
    } else if (/\/instances$/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: ['1.2.3.4'] } }]));
    } else if (/\/instances\//.test(req.url ?? '')) {
      res.writeHead(200, {
        'content-type': 'multipart/related; type="application/dicom"; boundary=XX',
      });
      res.end('--XX\r\nContent-Type: application/dicom\r\n\r\nnot a DICOM file at all\r\n--XX--');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    }
  });
  const bearer = new DicomWebClient({ url: garbage.url, auth: { kind: 'bearer', token: 'tok-9' } });
  await assert.rejects(
    bearer.searchStudies(),
    (e: Error) => kindOf('bad-response')(e) && /did not answer with JSON/.test(e.message),
  );
  assert.equal(seen[0], 'Bearer tok-9');
  const target = join(work, 'library', 'garbage');
  await assert.rejects(
    retrieveSeries(bearer, { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3' }, target),
    (e: Error) =>
      kindOf('bad-response')(e) && /not a DICOM file for instance 1\.2\.3\.4/.test(e.message),
  );
  assert.equal(existsSync(target), false);
  const moved = new DicomWebClient({
    url: garbage.url.replace('/dicom-web', '/moved/'),
    auth: { kind: 'none' },
  });
  await assert.rejects(
    moved.searchStudies(),
    (e: Error) => kindOf('unreachable')(e) && /redirects/.test(e.message),
  );
  garbage.server.close();

  const silent = await listen(() => undefined);
  const slow = new DicomWebClient({ url: silent.url, auth: { kind: 'none' }, timeoutMs: 1000 });
  await assert.rejects(
    slow.searchStudies(),
    (e: Error) => kindOf('timeout')(e) && /did not answer within 1 s/.test(e.message),
  );
  silent.server.closeAllConnections();
  silent.server.close();
});

test('a stopped server is unreachable, said so', async () => {
  await orthanc.stop();
  await assert.rejects(
    client.searchStudies(),
    (e: Error) => kindOf('unreachable')(e) && /ECONNREFUSED.*is the server running/.test(e.message),
  );
  const target = join(work, 'library', 'stopped');
  await assert.rejects(retrieveSeries(client, series, target), kindOf('unreachable'));
  assert.equal(existsSync(target), false);
});
