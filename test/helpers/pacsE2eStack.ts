// The e2e PACS round trip's other half (e2e/pacs.spec.ts), run inside a loopback-only network
// namespace: a real Orthanc with authentication holding the sample series, and a workstation
// host. Prints one "PACS-STACK {json}" line when ready. On stdin, "library" lists the case
// library ("LIBRARY [...]"); "find-seg <study>" looks the study's SEG up by QIDO-RS, downloads it
// through Orthanc's REST API, checks it with dciodvfy and reads it back ("SEG {json}"). Ends when
// stdin closes (the namespace's kernel then ends whatever is left).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeSeg } from '../../src/dicom/seg/decodeSeg';
import { startHost } from '../../src/host/startHost';
import { CaseLibrary } from '../../src/library/CaseLibrary';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dciodvfy } from './dicom3tools';
import { startOrthanc, uploadToOrthanc } from './orthanc';

const [user, password] = ['radiologist', process.env.ACSWS_E2E_PACS_PASSWORD ?? ''];
if (!password) throw new Error('ACSWS_E2E_PACS_PASSWORD is not set');
const work = mkdtempSync(join(tmpdir(), 'pacs-e2e-'));
const orthanc = await startOrthanc({ [user]: password });
const sample = 'assets/sample';
await uploadToOrthanc(
  orthanc,
  readdirSync(sample).map((f) => readFileSync(join(sample, f))),
);
const dataDir = join(work, 'data');
const workstation = await createWorkstation({
  seriesFolders: [sample],
  modelsDir: 'test/fixtures/models',
  version: 'e2e',
  backends: 'wasm,cpu',
  dataDir,
});
const host = await startHost({ workstation, staticDir: 'build/renderer', port: 0 });
console.log(`PACS-STACK ${JSON.stringify({ url: host.url, dicomWeb: orthanc.dicomWeb })}`);

const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function findSeg(studyUid: string): Promise<unknown> {
  const qido = await fetch(`${orthanc.dicomWeb}/studies/${studyUid}/series?Modality=SEG`, {
    headers: { authorization, accept: 'application/dicom+json' },
  });
  const series = (qido.status === 204 ? [] : await qido.json()) as Record<
    string,
    { Value?: unknown[] }
  >[];
  if (series.length === 0) return { found: 0 };
  const seriesUid = String(series[0]['0020000E']?.Value?.[0]);
  const description = String(series[0]['0008103E']?.Value?.[0] ?? '');
  const lookup = (await (
    await fetch(`${orthanc.rest}/tools/lookup`, {
      method: 'POST',
      headers: { authorization },
      body: seriesUid,
    })
  ).json()) as { ID: string }[];
  const instances = (await (
    await fetch(`${orthanc.rest}/series/${lookup[0].ID}/instances`, { headers: { authorization } })
  ).json()) as { ID: string }[];
  const file = await fetch(`${orthanc.rest}/instances/${instances[0].ID}/file`, {
    headers: { authorization },
  });
  const path = join(work, `${seriesUid}.dcm`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  writeFileSync(path, bytes);
  // read back on the grid of the series the retrieve put in the library
  const [record] = new CaseLibrary(join(dataDir, 'library')).list();
  const decoded = decodeSeg(bytes, record.geometry);
  return {
    found: series.length,
    seriesUid,
    description,
    dciodvfyErrors: dciodvfy(path).errors,
    segments: decoded.segments.map((s) => [s.label, s.type.meaning]),
    labelledVoxels: Array.from(decoded.labelmap).filter((v) => v !== 0).length,
  };
}

const stop = async () => {
  await host.close();
  await workstation.close();
  await orthanc.stop();
  process.exit(0);
};
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, argument] = line.trim().split(/\s+/);
  if (command === 'library') {
    const records = new CaseLibrary(join(dataDir, 'library')).list();
    console.log(
      `LIBRARY ${JSON.stringify(records.map((r) => ({ seriesId: r.seriesId, dimensions: r.geometry.dimensions })))}`,
    );
  } else if (command === 'find-seg')
    void findSeg(argument ?? '').then(
      (answer) => console.log(`SEG ${JSON.stringify(answer)}`),
      (error: unknown) => console.log(`SEG ${JSON.stringify({ error: String(error) })}`),
    );
});
lines.on('close', () => void stop());
