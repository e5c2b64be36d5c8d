// The PACS commands through dispatch, as the UI sends them, against a real Orthanc with
// authentication. Run by pacsHandlers.test.ts inside a loopback-only network namespace.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandName, CommandParams, CommandResult } from '../../src/api/commands';
import { commandSchemas } from '../../src/api/commands';
import type { ApiEvent } from '../../src/api/events';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import type { Workstation } from '../../src/workstation/Workstation';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import { dciodvfy } from '../helpers/dicom3tools';
import {
  brainLabels,
  brainVoxels,
  newUid,
  ORIENTATIONS,
  writeSeries,
} from '../helpers/dicomSeries';
import type { SeriesFixture } from '../helpers/dicomSeries';
import { startOrthanc, uploadToOrthanc } from '../helpers/orthanc';
import type { Orthanc } from '../helpers/orthanc';

const PASSWORD = 'wonderland-42-secret';
const USERS = { alice: PASSWORD };
const work = mkdtempSync(join(tmpdir(), 'pacs-handlers-'));
const dataDir = join(work, 'data');
const brain = brainVoxels(6);
let orthanc: Orthanc;
/** in the folder the workstation starts on, and on the server: the SEG is drawn on it */
let series: SeriesFixture;
/** on the server only, in the same study: the one retrieved into the library */
let remote: SeriesFixture;
let workstation: Workstation;
/** every result and event the UI received: the password must be in none */
const transcript: string[] = [];
const events: ApiEvent[] = [];
let n = 0;

async function call<C extends CommandName>(
  command: C,
  params: CommandParams<C>,
): Promise<CommandResult<C>> {
  const answer = await dispatch(workstation, { id: ++n, command, params });
  transcript.push(JSON.stringify(answer));
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return commandSchemas[command].result.parse(answer.result) as CommandResult<C>;
}

function failsWith(code: string, pattern: RegExp) {
  return (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

/** The event that ends a job: pacs.retrieved, job.failed or job.cancelled. */
function jobEnd(jobId: string): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const stop = workstation.onEvent((event) => {
      if ('jobId' in event && event.jobId === jobId && event.type !== 'job.progress') {
        stop();
        resolve(event);
      }
    });
  });
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

/** Forwards to Orthanc; the n-th instance answer is cut halfway when `cut(n)`, or held `delayMs`. */
async function proxy(cut: (instance: number) => boolean, delayMs = 0) {
  let instances = 0;
  return listen((req, res) => {
    const isInstance = /\/instances\/[0-9.]+$/.test(req.url ?? '');
    const nth = isInstance ? ++instances : 0;
    void fetch(`${orthanc.rest}${req.url}`, {
      headers: {
        authorization: req.headers.authorization ?? '',
        accept: req.headers.accept ?? '*/*',
      },
    }).then(async (answer) => {
      const body = Buffer.from(await answer.arrayBuffer());
      if (isInstance && delayMs) await new Promise((r) => setTimeout(r, delayMs));
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? '',
        'content-length': body.length,
      });
      if (isInstance && cut(nth)) {
        res.write(body.subarray(0, body.length >> 1));
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end(body);
    });
  });
}

const library = () => new CaseLibrary(join(dataDir, 'library'));
/** what the library holds besides the series of the start folder (which a library-backed workstation imports) */
const retrievedInLibrary = () =>
  library()
    .list()
    .filter((r) => r.seriesId !== series.seriesInstanceUid)
    .map((r) => r.seriesId);

before(async () => {
  orthanc = await startOrthanc(USERS);
  series = writeSeries(
    join(work, 'source'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.sagittal,
    [1.5, 1.25, 2.5],
    [10, -20, 30],
  );
  remote = writeSeries(
    join(work, 'remote'),
    brain.dims,
    brain.voxels,
    ORIENTATIONS.axial,
    [1, 1, 2],
    [0, 0, 0],
    { uid: series.studyInstanceUid, frameOfReference: newUid() },
  );
  for (const { dir } of [series, remote]) {
    await uploadToOrthanc(
      orthanc,
      readdirSync(dir).map((f) => readFileSync(join(dir, f))),
    );
  }
  workstation = await createWorkstation({
    seriesFolders: [series.dir],
    modelsDir: 'test/fixtures/models',
    version: 'test',
    backends: 'cpu',
    dataDir,
  });
  workstation.onEvent((event) => {
    events.push(event);
    transcript.push(JSON.stringify(event));
  });
});

after(async () => {
  await workstation?.close();
  await orthanc?.stop();
});

test('a server is saved with its password, which no result ever shows', async () => {
  const saved = await call('savePacsServer', {
    id: 'orthanc',
    name: 'Orthanc',
    url: orthanc.dicomWeb,
    auth: 'basic',
    username: 'alice',
    secret: PASSWORD,
  });
  assert.equal(saved.hasCredentials, true);
  assert.equal(saved.credentialsInClear, false, 'loopback: nothing crosses a network');
  // an edit without a secret keeps the stored one
  await call('savePacsServer', {
    id: 'orthanc',
    name: 'Our Orthanc',
    url: orthanc.dicomWeb,
    auth: 'basic',
    username: 'alice',
  });
  const [listed] = await call('listPacsServers', {});
  assert.equal(listed.name, 'Our Orthanc');
  assert.equal(listed.hasCredentials, true);
  assert.ok((await call('testPacsServer', { id: 'orthanc' })).ok);
  assert.ok(!readFileSync(join(dataDir, 'pacs', 'servers.json'), 'utf8').includes(PASSWORD));
  assert.equal(statSync(join(dataDir, 'pacs', 'secrets.json')).mode & 0o777, 0o600);
  await assert.rejects(
    call('savePacsServer', {
      id: 'leaky',
      name: 'x',
      url: `http://alice:${PASSWORD}@127.0.0.1:8042/`,
      auth: 'none',
    }),
    failsWith('bad_request', /no user name or password in the URL/),
  );
  assert.equal((await call('listPacsServers', {})).length, 1);
});

test('wrong password, stopped server, garbage and silence: each a clear error', async () => {
  await call('savePacsServer', {
    id: 'wrong',
    name: 'Wrong',
    url: orthanc.dicomWeb,
    auth: 'basic',
    username: 'alice',
    secret: 'guess',
  });
  await assert.rejects(
    call('testPacsServer', { id: 'wrong' }),
    failsWith('unauthorized', /refused the credentials \(401\)/),
  );
  await assert.rejects(
    call('searchPacsStudies', { serverId: 'wrong', patientName: 'Fixture' }),
    failsWith('unauthorized', /check the user name and password/),
  );
  await call('savePacsServer', {
    id: 'down',
    name: 'Down',
    url: 'http://127.0.0.1:45999/dicom-web',
    auth: 'none',
  });
  await assert.rejects(
    call('testPacsServer', { id: 'down' }),
    failsWith('io_error', /cannot reach .*ECONNREFUSED.*is the server running/),
  );
  const garbage = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>Welcome to nginx!</html>');
  });
  await call('savePacsServer', {
    id: 'garbage',
    name: 'Garbage',
    url: garbage.url,
    auth: 'bearer',
    secret: 'tok-123456',
  });
  await assert.rejects(
    call('testPacsServer', { id: 'garbage' }),
    failsWith('io_error', /did not answer with JSON: is this a DICOMweb server/),
  );
  const jobGarbage = await call('retrievePacsSeries', {
    serverId: 'garbage',
    studyInstanceUid: '1.2',
    seriesInstanceUid: '1.2.3',
  });
  const ended = await jobEnd(jobGarbage.jobId);
  assert.equal(ended.type, 'job.failed');
  garbage.server.close();
  const silent = await listen(() => undefined);
  await call('savePacsServer', {
    id: 'silent',
    name: 'Silent',
    url: silent.url,
    auth: 'none',
    timeoutMs: 1000,
  });
  await assert.rejects(
    call('testPacsServer', { id: 'silent' }),
    failsWith('io_error', /did not answer within 1 s/),
  );
  silent.server.closeAllConnections();
  silent.server.close();
  await assert.rejects(
    call('testPacsServer', { id: 'nobody' }),
    failsWith('not_found', /no PACS server "nobody"/),
  );
  assert.deepEqual(retrievedInLibrary(), [], 'nothing reached the library');
});

test('QIDO search by patient name, ID, date, modality; then the series of a study', async () => {
  const byName = await call('searchPacsStudies', { serverId: 'orthanc', patientName: 'fixture' });
  assert.deepEqual(
    byName.map((s) => s.studyInstanceUid),
    [series.studyInstanceUid],
  );
  assert.equal(byName[0].patientName, 'Fixture^Brain');
  assert.equal(
    (
      await call('searchPacsStudies', {
        serverId: 'orthanc',
        patientId: 'FIXTURE-1',
        studyDate: '20261101-20261130',
        modality: 'mr',
      })
    ).length,
    1,
  );
  assert.deepEqual(
    await call('searchPacsStudies', { serverId: 'orthanc', studyDate: '20200101-20201231' }),
    [],
  );
  await assert.rejects(
    call('searchPacsStudies', { serverId: 'orthanc', studyDate: 'last week' }),
    failsWith('bad_request', /YYYYMMDD/),
  );
  const found = await call('searchPacsSeries', {
    serverId: 'orthanc',
    studyInstanceUid: series.studyInstanceUid,
  });
  assert.deepEqual(
    found.map((s) => [s.seriesInstanceUid, s.modality, s.numberOfInstances]).sort(),
    [
      [series.seriesInstanceUid, 'MR', brain.dims[2]],
      [remote.seriesInstanceUid, 'MR', brain.dims[2]],
    ].sort(),
  );
});

test('retrieve: cancelled and cut retrieves leave nothing in the library; the next one resumes and imports', async () => {
  const target = {
    studyInstanceUid: remote.studyInstanceUid,
    seriesInstanceUid: remote.seriesInstanceUid,
  };
  const slow = await proxy(() => false, 150);
  await call('savePacsServer', {
    id: 'slow',
    name: 'Slow',
    url: slow.url,
    auth: 'basic',
    username: 'alice',
    secret: PASSWORD,
  });
  const { jobId: slowJob } = await call('retrievePacsSeries', { serverId: 'slow', ...target });
  await assert.rejects(
    call('retrievePacsSeries', { serverId: 'slow', ...target }),
    failsWith('bad_request', /being retrieved already/),
  );
  const stop = workstation.onEvent((event) => {
    if (event.type === 'job.progress' && event.jobId === slowJob && event.done >= 2) {
      stop();
      void call('cancelJob', { jobId: slowJob });
    }
  });
  assert.equal((await jobEnd(slowJob)).type, 'job.cancelled');
  slow.server.close();
  assert.deepEqual(retrievedInLibrary(), []);
  // what the cancelled retrieve brought is kept for a resume, until the user drops it
  const partials = () =>
    readdirSync(join(dataDir, 'pacs', 'series')).filter((f) => f.endsWith('.partial'));
  assert.equal(partials().length, 1);
  assert.deepEqual(
    await call('discardPacsRetrieve', { seriesInstanceUid: remote.seriesInstanceUid }),
    { discarded: true },
  );
  assert.deepEqual(partials(), []);
  assert.deepEqual(
    await call('discardPacsRetrieve', { seriesInstanceUid: remote.seriesInstanceUid }),
    { discarded: false },
  );

  const cutting = await proxy((nth) => nth === 3);
  await call('savePacsServer', {
    id: 'cut',
    name: 'Cut',
    url: cutting.url,
    auth: 'basic',
    username: 'alice',
    secret: PASSWORD,
  });
  const { jobId: cutJob } = await call('retrievePacsSeries', { serverId: 'cut', ...target });
  const failed = await jobEnd(cutJob);
  assert.equal(failed.type, 'job.failed');
  assert.match(
    failed.type === 'job.failed' ? failed.error.message : '',
    /retrieve failed: .*cut off|ends inside a part/,
  );
  cutting.server.close();
  assert.deepEqual(retrievedInLibrary(), [], 'a cut retrieve is not in the library');

  const { jobId } = await call('retrievePacsSeries', { serverId: 'orthanc', ...target });
  const done = await jobEnd(jobId);
  assert.equal(done.type, 'pacs.retrieved', JSON.stringify(done));
  if (done.type !== 'pacs.retrieved') return;
  assert.equal(done.instances, brain.dims[2]);
  assert.ok(done.resumed >= 2 && done.resumed < brain.dims[2], `resumed ${done.resumed}`);
  const progress = events.flatMap((e) =>
    e.type === 'job.progress' && e.jobId === jobId ? [e.done] : [],
  );
  assert.equal(progress.at(-1), brain.dims[2]);
  assert.deepEqual(done.seriesIds, [remote.seriesInstanceUid]);
  assert.deepEqual(retrievedInLibrary(), done.seriesIds);
  assert.deepEqual(
    Array.from(library().open(done.seriesIds[0]).volume.voxels),
    Array.from(brain.voxels),
  );
  // asked again, nothing is fetched: the kept files are imported, the library keeps one copy
  const again = await call('retrievePacsSeries', { serverId: 'down', ...target }).then(
    ({ jobId: id }) => jobEnd(id),
  );
  assert.equal(again.type, 'pacs.retrieved', JSON.stringify(again));
  assert.deepEqual(retrievedInLibrary(), done.seriesIds);
});

test('the SEG of a segmentation goes to the server by STOW-RS; QIDO finds it; dciodvfy passes it', async () => {
  const [summary] = await call('listSeries', {});
  const { volumeId } = await call('openSeries', { seriesId: summary.seriesId });
  workstation.addLabelmap(
    { labelmapId: 'drawn', volumeId, classes: [], counts: [] },
    brainLabels(brain.voxels),
  );
  const sent = await call('sendSegmentationToPacs', {
    serverId: 'orthanc',
    labelmapId: 'drawn',
    name: 'Brain tissues',
    segments: [
      { index: 1, label: 'Bright', color: [250, 250, 250], kind: 'tissue' },
      {
        index: 2,
        label: 'Tumour',
        color: [250, 0, 0],
        kind: 'tumour',
        algorithmType: 'SEMIAUTOMATIC',
        algorithmName: 'threshold',
      },
    ],
  });
  assert.equal(sent.studyInstanceUid, series.studyInstanceUid);
  const segSeries = (
    await call('searchPacsSeries', {
      serverId: 'orthanc',
      studyInstanceUid: series.studyInstanceUid,
    })
  ).filter((s) => s.modality === 'SEG');
  assert.deepEqual(
    segSeries.map((s) => [s.seriesInstanceUid, s.seriesDescription]),
    [[sent.seriesInstanceUid, 'Brain tissues']],
  );
  // fetched through Orthanc's own REST API, not the client under test
  const authorization = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
  const lookup = (await (
    await fetch(`${orthanc.rest}/tools/lookup`, {
      method: 'POST',
      headers: { authorization },
      body: sent.sopInstanceUid,
    })
  ).json()) as { ID: string; Type: string }[];
  assert.equal(lookup[0]?.Type, 'Instance');
  const file = await fetch(`${orthanc.rest}/instances/${lookup[0].ID}/file`, {
    headers: { authorization },
  });
  assert.equal(file.status, 200);
  const path = join(work, 'sent.seg.dcm');
  writeFileSync(path, Buffer.from(await file.arrayBuffer()));
  assert.deepEqual(dciodvfy(path).errors, []);
});

test('no result or event carried a password or token; removing a server drops its secret', async () => {
  assert.ok(transcript.length > 20);
  for (const secret of [
    PASSWORD,
    'guess',
    'tok-123456',
    Buffer.from(`alice:${PASSWORD}`).toString('base64'),
  ]) {
    assert.ok(!transcript.some((t) => t.includes(secret)), `"${secret}" reached the UI`);
  }
  assert.deepEqual(await call('removePacsServer', { id: 'wrong' }), { removed: true });
  assert.ok(
    !readFileSync(join(dataDir, 'pacs', 'secrets.json'), 'utf8').includes(
      Buffer.from('guess').toString('base64'),
    ),
  );
  assert.deepEqual(await call('removePacsServer', { id: 'wrong' }), { removed: false });
});
