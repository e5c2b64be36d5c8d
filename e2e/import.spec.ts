import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import dicomParser from 'dicom-parser';
import { dciodvfy } from '../test/helpers/dicom3tools';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../test/helpers/dicomSeries';
import { hostEnv } from './support/env';
import { callFromPage } from './support/pageSocket';
import { downloadExport, openTab } from './support/workstationPage';
import { decodePng, luminanceStats, meanDifference, type Rgba } from './support/png';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

// One page walks through import: picker, drop, open, reload, delete. The library is shared with
// the other specs, so what this spec imports it deletes again at the end.
test.describe.configure({ mode: 'serial' });

let page: Page;
let work = '';
let sampleId = '';
let sampleAxial: Rgba;
/** series in the library before this spec (other specs may leave some) */
let before = 0;
const count = (added: number) =>
  expect(page.locator('body')).toHaveAttribute('data-series-count', String(before + added));
/** a sagittal 60x72x60 series made from mricron's ch2bet: not the sample (90x108x90 axial) */
let pickedId = '';
let droppedId = '';

async function shoot(name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

async function waitReady(): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

async function axial(): Promise<Rgba> {
  return decodePng(await page.getByTestId('viewport-axial').screenshot());
}

const item = (seriesId: string) =>
  page.locator(`[data-testid="series-item"][data-series-id="${seriesId}"]`);

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'import-e2e-'));
  page = await browser.newPage();
  await page.goto(hostEnv().url);
  await waitReady();
  sampleId = (await page.locator('body').getAttribute('data-series-id')) ?? '';
  sampleAxial = await axial();
  before = Number(await page.locator('body').getAttribute('data-series-count'));
});

test.afterAll(async () => {
  await page.close();
  rmSync(work, { recursive: true, force: true });
});

test('the series browser lists the sample, marked as open, with its thumbnail', async () => {
  expect(before).toBeGreaterThanOrEqual(1);
  const sample = item(sampleId);
  await expect(sample).toHaveClass(/open/);
  await expect(sample.getByTestId('series-patient')).toContainText('Colin27 Sample');
  await expect(sample.getByTestId('series-facts')).toHaveText('MR · 90 slices · 90×108 · 1.7 MiB');
  await expect
    .poll(() =>
      sample.getByTestId('series-thumbnail').evaluate((i: HTMLImageElement) => i.naturalWidth),
    )
    .toBeGreaterThan(0);
});

test('a folder from the picker: the new series stored, bad files listed by name', async () => {
  const folder = join(work, 'picked');
  const { dims, voxels } = brainVoxels(3);
  const fixture = writeSeries(
    join(folder, 'series'),
    dims,
    voxels,
    ORIENTATIONS.sagittal,
    [3, 3, 3],
    [-90, 110, 80],
  );
  pickedId = fixture.seriesInstanceUid;
  const slice = readFileSync(join(fixture.dir, readdirSync(fixture.dir)[0] ?? ''));
  writeFileSync(join(folder, 'broken.dcm'), slice.subarray(0, Math.floor(slice.length * 0.6)));
  writeFileSync(join(folder, 'notes.txt'), 'a stray file, not DICOM');

  await page.getByTestId('import-folder-input').setInputFiles(folder);
  await expect(page.locator('body')).toHaveAttribute('data-import-state', 'done');
  await expect(page.getByTestId('import-result')).toContainText(
    '1 series imported, 0 already in the library, 62 files read, 0 skipped, 2 errors',
  );
  const errors = page.getByTestId('import-error');
  await expect(errors).toHaveCount(2);
  // the names the user picked, not the host's temporary folder
  await expect(errors.filter({ hasText: 'picked/broken.dcm' })).toContainText(
    'truncated: Pixel Data needs',
  );
  await expect(errors.filter({ hasText: 'picked/notes.txt' })).toContainText('not a DICOM file');
  await expect(errors.first()).not.toContainText('uploads');

  const picked = item(pickedId);
  await expect(picked).toHaveCount(1);
  await expect(picked.getByTestId('series-facts')).toHaveText('MR · 60 slices · 60×72 · 506.3 KiB');
  await expect(picked.getByTestId('series-description')).toHaveText('#2 fixture');
  await expect
    .poll(() =>
      picked.getByTestId('series-thumbnail').evaluate((i: HTMLImageElement) => i.naturalWidth),
    )
    .toBeGreaterThan(0);
  await shoot('import-picked');
});

test('files dropped on the window (a synthetic DataTransfer) are imported too', async () => {
  const folder = join(work, 'dropped');
  const { dims, voxels } = brainVoxels(5);
  const fixture = writeSeries(folder, dims, voxels, ORIENTATIONS.coronal, [5, 5, 5], [0, 0, 0]);
  droppedId = fixture.seriesInstanceUid;
  const files = readdirSync(folder).map((name) => ({
    name,
    base64: readFileSync(join(folder, name)).toString('base64'),
  }));
  files.push({ name: 'readme.txt', base64: Buffer.from('not an image').toString('base64') });
  const transfer = await page.evaluateHandle((list) => {
    const data = new DataTransfer();
    for (const { name, base64 } of list) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      data.items.add(new File([bytes], name));
    }
    return data;
  }, files);
  await page.getByTestId('drop-zone').dispatchEvent('dragenter', { dataTransfer: transfer });
  await expect(page.locator('body')).toHaveClass(/dragging-files/);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.locator('body')).toHaveAttribute('data-import-state', 'done');
  await expect(page.getByTestId('import-result')).toContainText(
    `1 series imported, 0 already in the library, ${files.length} files read`,
  );
  await expect(page.getByTestId('import-error')).toHaveText(/readme\.txt.*not a DICOM file/);
  await expect(item(droppedId)).toHaveCount(1);
  await count(2);
});

test('Cancel during an upload: nothing imported, the upload folder gone', async () => {
  const folder = join(work, 'many');
  mkdirSync(folder);
  for (let n = 0; n < 1500; n++) writeFileSync(join(folder, `f${n}.txt`), `file ${n}`);
  await page.getByTestId('import-folder-input').setInputFiles(folder);
  await expect(page.getByTestId('import-progress-text')).toHaveText(/Uploading \d+ of 1500 files/);
  await page.getByTestId('import-cancel').click();
  await expect(page.locator('body')).toHaveAttribute('data-import-state', 'cancelled');
  await expect(page.getByTestId('import-progress-text')).toHaveText(/Import cancelled/);
  await expect(page.getByTestId('import-cancel')).toBeHidden();
  await expect.poll(() => readdirSync(join(hostEnv().dataDir, 'uploads'))).toEqual([]);
  await count(2);
});

test('a click opens the imported series in the three views', async () => {
  await item(pickedId).click();
  await expect(page.locator('body')).toHaveAttribute('data-series-id', pickedId);
  await waitReady();
  await expect(item(pickedId)).toHaveClass(/open/);
  await expect(item(sampleId)).not.toHaveClass(/open/);
  const bytes = await page.evaluate(async () => {
    const response = await fetch(`/voxels/volume/${document.body.dataset.volumeId}`);
    return (await response.arrayBuffer()).byteLength;
  });
  expect(bytes).toBe(60 * 72 * 60 * 2);
  for (const plane of ['axial', 'coronal', 'sagittal']) {
    const image = decodePng(await page.getByTestId(`viewport-${plane}`).screenshot());
    expect(luminanceStats(image).lit, plane).toBeGreaterThan(0.05);
  }
  expect(meanDifference(await axial(), sampleAxial)).toBeGreaterThan(5);
  await shoot('import-opened');
});

test('a segmentation of the uploaded series exports as a DICOM SEG naming its images', async () => {
  // the browser uploaded copies, deleted after the import: the SEG comes from the library alone
  rmSync(join(work, 'picked'), { recursive: true, force: true });
  const axialView = page.getByTestId('viewport-axial');
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('brush-size').fill('8');
  const b = await axialView.boundingBox();
  if (!b) throw new Error('no axial view');
  await page.mouse.move(b.x + b.width * 0.4, b.y + b.height * 0.45);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * 0.6, b.y + b.height * 0.55, { steps: 8 });
  await page.mouse.up();
  await expect
    .poll(async () => Number(await page.locator('body').getAttribute('data-segment-voxels')))
    .toBeGreaterThan(20);
  // the browser downloads the SEG the host wrote privately
  const path = join(hostEnv().exportDir, 'picked.dcm');
  await openTab(page, 'Export');
  await page.getByTestId('export-format').selectOption('dicom-seg');
  await downloadExport(page, 'picked.dcm', path);
  await openTab(page, 'Segmentation');
  expect(dciodvfy(path).errors).toEqual([]);
  const header = dicomParser.parseDicom(readFileSync(path), { untilTag: 'x7fe00010' });
  const referenced = header.elements.x00081115?.items?.[0]?.dataSet;
  expect(referenced?.string('x0020000e')).toBe(pickedId);
  expect(referenced?.elements.x0008114a?.items?.length).toBe(60);
  await shoot('import-exported-seg');
});

test('after a reload the imported series are still listed and the last opened reopens', async () => {
  await page.reload();
  await waitReady();
  await expect(page.locator('body')).toHaveAttribute('data-series-id', pickedId);
  await count(2);
  await expect(item(droppedId)).toHaveCount(1);
});

test('delete, after a confirm: the open series goes and the sample opens again', async () => {
  page.once('dialog', (dialog) => void dialog.dismiss());
  await item(droppedId).getByTestId('series-delete').click();
  await expect(item(droppedId)).toHaveCount(1);

  page.once('dialog', (dialog) => void dialog.accept());
  await item(droppedId).getByTestId('series-delete').click();
  await expect(item(droppedId)).toHaveCount(0);
  await count(1);

  page.once('dialog', (dialog) => void dialog.accept());
  await item(pickedId).getByTestId('series-delete').click();
  await expect(page.locator('body')).toHaveAttribute('data-series-id', sampleId);
  await waitReady();
  await count(0);
});

/**
 * Electron's way, where Electron cannot run: a `window.workstationBridge` shaped like
 * electron/preload.ts's, forwarding to the real host, whose dialog "chooses" a folder and starts
 * the import as electron/importDialog.ts does. Nothing is uploaded; thumbnails come as bytes.
 */
test('in Electron, Import folder… imports the dialog’s paths and thumbnails come over the bridge', async ({
  browser,
}) => {
  const folder = join(work, 'electron');
  const { dims, voxels } = brainVoxels(6);
  const fixture = writeSeries(folder, dims, voxels, ORIENTATIONS.axial, [6, 6, 6], [0, 0, 0]);
  const bridged = await browser.newPage();
  await bridged.addInitScript((chosen: string) => {
    const listeners = new Set<(event: unknown) => void>();
    const pending = new Map<number, (response: unknown) => void>();
    const socket = new WebSocket(`ws://${location.host}/api`);
    const opened = new Promise((resolve) => socket.addEventListener('open', resolve));
    socket.addEventListener('message', (message) => {
      const parsed = JSON.parse(String(message.data)) as {
        kind: string;
        id?: number;
        event?: unknown;
      };
      if (parsed.kind === 'event') for (const listener of listeners) listener(parsed.event);
      else if (typeof parsed.id === 'number') pending.get(parsed.id)?.(parsed);
    });
    let nextId = 1_000_000;
    const request = async (envelope: { id: number }) => {
      await opened;
      return new Promise((resolve) => {
        pending.set(envelope.id, resolve);
        socket.send(JSON.stringify(envelope));
      });
    };
    // kept over the reload that opens the imported series
    const saved = sessionStorage.getItem('bridgeCalls');
    const calls = saved
      ? (JSON.parse(saved) as { dialog: string[]; thumbnail: number; uploads: number })
      : { dialog: [] as string[], thumbnail: 0, uploads: 0 };
    const persist = () => sessionStorage.setItem('bridgeCalls', JSON.stringify(calls));
    const realFetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
      if (String(input).includes('uploads/')) {
        calls.uploads++;
        persist();
      }
      return realFetch(input, init);
    };
    Object.assign(window, {
      bridgeCalls: calls,
      workstationBridge: {
        request,
        onEvent(listener: (event: unknown) => void) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        async fetchVoxels(resource: { kind: string; volumeId?: string; labelmapId?: string }) {
          const id = resource.kind === 'volume' ? resource.volumeId : resource.labelmapId;
          return (await realFetch(`/voxels/${resource.kind}/${id}`)).arrayBuffer();
        },
        async putLabelmap() {},
        async chooseSavePath() {
          return null;
        },
        async importWithDialog(kind: string) {
          calls.dialog.push(kind);
          persist();
          const response = (await request({
            id: nextId++,
            command: 'importPaths',
            params: { paths: [chosen] },
          } as { id: number })) as { result: { jobId: string } };
          return response.result;
        },
        async thumbnail(key: string) {
          calls.thumbnail++;
          persist();
          return (await realFetch(`/thumbnails/${key}.png`)).arrayBuffer();
        },
      },
    });
  }, folder);
  await bridged.goto(hostEnv().url);
  await expect(bridged.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await bridged.getByTestId('import-folder').click();
  // the one series imported opens by itself
  await expect(bridged.locator('body')).toHaveAttribute(
    'data-series-id',
    fixture.seriesInstanceUid,
    { timeout: 60_000 },
  );
  await expect(bridged.locator('body')).toHaveAttribute('data-import-state', 'done');
  await expect(bridged.getByTestId('import-result')).toContainText('1 series imported');
  const added = bridged.locator(
    `[data-testid="series-item"][data-series-id="${fixture.seriesInstanceUid}"]`,
  );
  const thumbnail = added.getByTestId('series-thumbnail');
  await expect(thumbnail).toHaveAttribute('src', /^blob:/);
  await expect
    .poll(() => thumbnail.evaluate((i: HTMLImageElement) => i.naturalWidth))
    .toBeGreaterThan(0);
  const calls = await bridged.evaluate(
    () =>
      (
        window as unknown as {
          bridgeCalls: { dialog: string[]; thumbnail: number; uploads: number };
        }
      ).bridgeCalls,
  );
  expect(calls.dialog).toEqual(['folder']);
  expect(calls.thumbnail).toBeGreaterThanOrEqual(2);
  expect(calls.uploads).toBe(0);
  await callFromPage(bridged, 'deleteSeries', { seriesId: fixture.seriesInstanceUid });
  await bridged.close();
});
