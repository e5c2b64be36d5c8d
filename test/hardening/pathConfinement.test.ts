// Paths a page names: through the api (dispatch, as the WebSocket and Electron's generic IPC
// channel both deliver requests) each refused path is refused with its reason, and the paths
// the user allowed (host folders; Electron's dialogs and drops) work.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandName } from '../../src/api/commands';
import { hostPathPolicy } from '../../src/host/hostPaths';
import { createWorkstation } from '../../src/workstation/createWorkstation';
import { dispatch } from '../../src/workstation/dispatch';
import { GrantedPaths, confinedPaths } from '../../src/workstation/pathPolicy';
import type { PathPolicy } from '../../src/workstation/pathPolicy';
import type { Workstation } from '../../src/workstation/Workstation';

const work = mkdtempSync(join(tmpdir(), 'path-confinement-'));
const exportDir = join(work, 'exports');
const importDir = join(work, 'incoming');
const outside = join(work, 'outside');
const dataDir = join(work, 'data');
for (const dir of [exportDir, importDir, outside, dataDir]) mkdirSync(dir);
symlinkSync(outside, join(exportDir, 'link-out'));
writeFileSync(join(outside, 'secret.dcm'), 'not for the page');
symlinkSync(join(outside, 'secret.dcm'), join(importDir, 'secret.dcm'));

const opened: Workstation[] = [];
let n = 0;

async function open(paths: PathPolicy): Promise<{ workstation: Workstation; labelmapId: string }> {
  const workstation = await createWorkstation({
    seriesFolders: [join(process.cwd(), 'assets/sample')],
    modelsDir: join(process.cwd(), 'test/fixtures/models'),
    version: 'test',
    backends: 'wasm,cpu',
    exportDirectory: exportDir,
    dataDir: mkdtempSync(join(dataDir, 'ws-')),
    paths,
  });
  opened.push(workstation);
  const [series] = await workstation.handlers.listSeries({});
  const volume = await workstation.handlers.openSeries({ seriesId: series?.seriesId ?? '' });
  const [x, y, z] = volume.geometry.dimensions;
  workstation.addLabelmap(
    { labelmapId: 'lab', volumeId: volume.volumeId, classes: [], counts: [] },
    new Uint8Array(x * y * z).fill(1),
  );
  return { workstation, labelmapId: 'lab' };
}

async function call(workstation: Workstation, command: CommandName, params: unknown) {
  return dispatch(workstation, { id: ++n, command, params });
}

async function refused(
  workstation: Workstation,
  command: CommandName,
  params: unknown,
  reason: RegExp,
): Promise<void> {
  const answer = await call(workstation, command, params);
  assert.equal(answer.ok, false, `${command} ${JSON.stringify(params)} was accepted`);
  if (answer.ok) return;
  assert.equal(answer.error.code, 'forbidden', answer.error.message);
  assert.match(answer.error.message, reason);
  assert.ok(!answer.error.message.includes(dataDir), 'no data folder in the message');
}

let host: Awaited<ReturnType<typeof open>>;
let electron: Awaited<ReturnType<typeof open>>;
let grants: GrantedPaths;
before(async () => {
  host = await open(hostPathPolicy(exportDir, [importDir]));
  grants = new GrantedPaths(confinedPaths({ read: [], write: [exportDir] }));
  electron = await open(grants);
});
after(async () => {
  for (const w of opened) await w.close();
  rmSync(work, { recursive: true, force: true });
});

test('browser host: each path out of the allowed folders is refused with its reason', async () => {
  const { workstation, labelmapId } = host;
  const write = (path: string, reason: RegExp) =>
    refused(workstation, 'exportLabelmap', { labelmapId, path }, reason);
  await write(join(outside, 'x.nii.gz'), /x\.nii\.gz: is outside the folders allowed for export/);
  await write('/etc/x.nii.gz', /is outside the folders allowed for export/);
  await write(`${exportDir}/../outside/x.nii.gz`, /names a parent folder \('\.\.'\)/);
  await write('../x.nii.gz', /names a parent folder/);
  await write(join(exportDir, 'link-out', 'x.nii.gz'), /a symbolic link leads out of the folders/);
  await write('/proc/self/x.nii.gz', /is a system folder/);
  await refused(
    workstation,
    'importPaths',
    { paths: ['/etc'] },
    /\/etc: is outside the folders allowed for import/,
  );
  await refused(
    workstation,
    'importPaths',
    { paths: ['/proc/self/environ'] },
    /is a system folder/,
  );
  await refused(
    workstation,
    'importPaths',
    { paths: [importDir, outside] },
    /is outside the folders allowed/,
  );
  await refused(
    workstation,
    'importPaths',
    { paths: [join(importDir, 'secret.dcm')] },
    /a symbolic link leads out/,
  );
  await refused(
    workstation,
    'exportSegmentation',
    {
      labelmapId,
      format: 'nifti',
      path: join(outside, 's.nii.gz'),
      name: 'x',
      segments: [{ index: 1, label: 'a', color: [1, 2, 3], kind: 'organ' }],
    },
    /is outside the folders allowed for export/,
  );
  await refused(
    workstation,
    'importSegmentation',
    { volumeId: 'v', path: join(outside, 'secret.dcm') },
    /is outside the folders allowed for import/,
  );
  await refused(
    workstation,
    'exportModelOnnx',
    { modelId: 'm', path: join(outside, 'm.onnx') },
    /is outside the folders allowed for export/,
  );
  await refused(
    workstation,
    'importOnnxModel',
    { path: join(importDir, 'm.onnx'), cardPath: '/etc/passwd' },
    /\/etc\/passwd: is outside/,
  );
  assert.equal(existsSync(join(outside, 'x.nii.gz')), false);
});

test('browser host: inside the export folder, and importing from an allowed folder, work', async () => {
  const { workstation, labelmapId } = host;
  const path = join(exportDir, 'labels.nii.gz');
  const written = await call(workstation, 'exportLabelmap', { labelmapId, path });
  assert.equal(written.ok, true, JSON.stringify(written));
  assert.ok(existsSync(path));
  // relative: inside the export folder
  const relative = await call(workstation, 'exportLabelmap', { labelmapId, path: 'rel.nii.gz' });
  assert.equal(relative.ok, true, JSON.stringify(relative));
  assert.ok(existsSync(join(exportDir, 'rel.nii.gz')));
  const job = await call(workstation, 'importPaths', { paths: [importDir] });
  assert.equal(job.ok, true, JSON.stringify(job));
});

test('Electron bridge: a path the user did not choose is refused; a chosen or dropped one works', async () => {
  const { workstation, labelmapId } = electron;
  await refused(
    workstation,
    'importPaths',
    { paths: [importDir] },
    /was not chosen in a dialog or dropped/,
  );
  await refused(
    workstation,
    'importPaths',
    { paths: ['/proc/self/environ'] },
    /is a system folder/,
  );
  await refused(
    workstation,
    'exportLabelmap',
    { labelmapId, path: join(outside, 'x.nii.gz') },
    /was not chosen in a dialog or dropped, and is outside the folders allowed for export/,
  );
  // what the main process does with a dialog's answer or a dropped file (ipcHandlers.ts,
  // importDialog.ts, preload.ts's pathForFile)
  grants.grant(importDir, 'read');
  grants.grant(join(outside, 'chosen.nii.gz'), 'write');
  assert.equal((await call(workstation, 'importPaths', { paths: [importDir] })).ok, true);
  const chosen = await call(workstation, 'exportLabelmap', {
    labelmapId,
    path: join(outside, 'chosen.nii.gz'),
  });
  assert.equal(chosen.ok, true, JSON.stringify(chosen));
  // a grant is for that file only, and never for a way out of it
  await refused(
    workstation,
    'exportLabelmap',
    { labelmapId, path: join(outside, 'other.nii.gz') },
    /was not chosen/,
  );
  await refused(
    workstation,
    'importPaths',
    { paths: [`${importDir}/../outside`] },
    /names a parent folder/,
  );
  // the export folder's files, where the page's export field starts
  const inExports = await call(workstation, 'exportLabelmap', {
    labelmapId,
    path: join(exportDir, 'e.nii.gz'),
  });
  assert.equal(inExports.ok, true, JSON.stringify(inExports));
});
