import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { brainVoxels, newUid, ORIENTATIONS, writeSeries } from '../test/helpers/dicomSeries';
import { hostEnv } from './support/env';
import { callFromPage } from './support/pageSocket';
import type { Rgba } from './support/png';
import { openTab, SCREENSHOTS, WorkstationPage } from './support/workstationPage';

// Issue 13 items 9-11 where a user meets them: the panels at 1366x768 and 1600x1000 (tabs on
// the right, nothing essential below the fold, names whole), Export as a browser download,
// slice keys, the crosshair toggle and the model's modality, on an oblique MR and a CT made
// from Debian's mricron-data (Colin27, test/helpers/dicomSeries).
test.describe.configure({ mode: 'serial' });

let page: Page;
let ws: WorkstationPage;
let work = '';
const imported: string[] = [];
let obliqueMr = '';
/** the oblique series' grid as written to its DICOM files */
let obliqueGrid: { dimensions: number[]; direction: number[] } | undefined;
let axialCt = '';

const body = () => page.locator('body');
const waitReady = () => expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });

function series(
  dir: string,
  orientation: keyof typeof ORIENTATIONS,
  description: string,
  ct: boolean,
): string {
  const brain = brainVoxels(4);
  const fixture = writeSeries(
    dir,
    brain.dims,
    brain.voxels,
    ORIENTATIONS[orientation],
    [4, 4, 4],
    [-90, 110, 80],
    { uid: newUid(), frameOfReference: newUid() },
    ct
      ? {
          SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
          Modality: 'CT',
          SeriesDescription: description,
          RescaleIntercept: '-1024',
          RescaleSlope: '1',
          RescaleType: 'HU',
        }
      : { SeriesDescription: description },
  );
  imported.push(fixture.seriesInstanceUid);
  if (orientation === 'oblique') obliqueGrid = fixture.geometry;
  return fixture.seriesInstanceUid;
}

/** Opens a library series by a click in the series browser. */
async function open(seriesId: string): Promise<void> {
  await page.locator(`[data-testid="series-item"][data-series-id="${seriesId}"]`).click();
  await expect(body()).toHaveAttribute('data-series-id', seriesId, { timeout: 60_000 });
  await waitReady();
}

/** Whether an element lies wholly inside the window, as a person sees it without scrolling. */
async function aboveTheFold(locator: Locator): Promise<void> {
  await expect(locator).toBeVisible();
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  if (!box || !viewport) throw new Error('no box');
  expect(box.y + box.height, `${await locator.innerText()} is above the fold`).toBeLessThanOrEqual(
    viewport.height,
  );
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
}

/** Per row, the pixels that differ between two shots of one view. */
function changedPerRow(a: Rgba, b: Rgba): number[] {
  const rows = new Array<number>(a.height).fill(0);
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      let d = 0;
      for (let c = 0; c < 3; c++) d += Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0));
      if (d > 30) rows[y] = (rows[y] ?? 0) + 1;
    }
  }
  return rows;
}

const sliceOf = async (plane: string) => {
  const text = await page.getByTestId(`overlay-${plane}`).innerText();
  const found = text.match(/Slice (\d+)\/(\d+)/);
  if (!found) throw new Error(`no slice number in "${text}"`);
  return Number(found[1]);
};

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'layout-e2e-'));
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  ws = new WorkstationPage(page);
  await page.goto(hostEnv().url);
  await waitReady();
  obliqueMr = series(join(work, 'in', 'mr'), 'oblique', 'oblique MR (layout)', false);
  axialCt = series(join(work, 'in', 'ct'), 'axial', 'axial CT (layout)', true);
  await page.getByTestId('import-folder-input').setInputFiles(join(work, 'in'));
  await expect(page.getByTestId('import-result')).toContainText('2 series imported', {
    timeout: 60_000,
  });
  await open(obliqueMr);
});

test.afterAll(async () => {
  for (const seriesId of imported)
    await callFromPage(page, 'deleteSeries', { seriesId }).catch(() => undefined);
  await page.close();
  rmSync(work, { recursive: true, force: true });
});

test('an oblique series is shown and edited on its own acquisition grid, not resampled', async () => {
  await open(obliqueMr);
  const grids = JSON.parse((await body().getAttribute('data-cached-grids')) ?? '[]') as {
    dimensions: number[];
    direction: number[];
  }[];
  if (!obliqueGrid) throw new Error('no oblique series was written');
  // the image volume and the active segmentation's labelmap, both on the files' grid
  expect(grids.length).toBeGreaterThanOrEqual(2);
  for (const grid of grids) {
    expect(grid.dimensions).toEqual(obliqueGrid.dimensions);
    grid.direction.forEach((value, n) =>
      expect(value).toBeCloseTo(obliqueGrid?.direction[n] ?? NaN, 5),
    );
  }
});

test('1366x768: series left, tabs right; Segment and the segment list above the fold, names whole', async () => {
  await expect(page.getByTestId('library-panel')).toBeVisible();
  const tabs = page.getByRole('tab');
  await expect(tabs).toHaveText(['Segmentation', 'AI', 'Training', 'Export', 'PACS']);
  await expect(page.getByRole('tab', { name: 'Segmentation' })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  // the editing tools and the segments, on the tab that opens first
  await aboveTheFold(page.getByTestId('tool-brush'));
  await aboveTheFold(page.getByTestId('segment-list'));
  await aboveTheFold(page.getByTestId('add-segment'));
  await ws.shoot('layout-1366-segmentation');

  await openTab(page, 'AI');
  await aboveTheFold(page.getByTestId('segment'));
  await expect(page.getByTestId('model-warning')).toBeHidden();
  await page.getByTestId('segment').click();
  await expect(body()).toHaveAttribute('data-job-state', 'done', { timeout: 110_000 });
  await ws.shoot('layout-1366-ai-done');

  // the result's segment, and a long name typed for it, shown whole
  await openTab(page, 'Segmentation');
  const names = page.locator('[data-testid^="segment-name-"]');
  await expect(names).toHaveCount(1);
  await expect(names.first()).toHaveValue('brain');
  await names.first().fill('AAL atlas regions (cortex, deep nuclei)');
  await names.first().press('Enter');
  await expect(names.first()).toHaveValue('AAL atlas regions (cortex, deep nuclei)');
  await page.getByTestId('add-segment').click();
  await expect(names).toHaveCount(2);
  for (const name of await names.all()) {
    const cut = await name.evaluate((e) => e.scrollWidth > e.clientWidth);
    expect(cut, `${await name.inputValue()} is shown whole`).toBe(false);
    await aboveTheFold(name);
  }
  // the side panel never scrolls sideways
  const side = page.getByTestId('side-panel');
  expect(await side.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
  await ws.shoot('layout-1366-segments');
});

test('the Training case list wraps long names instead of scrolling sideways', async () => {
  await openTab(page, 'Training');
  const cases = page.getByTestId('train-cases');
  await expect(cases).toBeVisible();
  await expect(cases).not.toBeEmpty({ timeout: 30_000 });
  expect(await cases.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
  await ws.shoot('layout-1366-training');
  await openTab(page, 'Segmentation');
});

test('1600x1000: the same panels, screenshots of each tab', async () => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  for (const name of ['Segmentation', 'AI', 'Training', 'Export', 'PACS']) {
    await openTab(page, name);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SCREENSHOTS, `layout-1600-${name.toLowerCase()}.png`) });
  }
  await openTab(page, 'Segmentation');
  await aboveTheFold(page.getByTestId('segment-list'));
  await page.setViewportSize({ width: 1366, height: 768 });
});

test('arrow keys and PageUp/PageDown step slices in the view under the pointer', async () => {
  const box = await ws.box('axial');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const axial = await sliceOf('axial');
  const coronal = await sliceOf('coronal');
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => sliceOf('axial')).toBe(axial + 1);
  await page.keyboard.press('PageDown');
  await expect.poll(() => sliceOf('axial')).toBe(axial + 2);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('PageUp');
  await page.keyboard.press('PageUp');
  await expect.poll(() => sliceOf('axial')).toBe(axial - 1);
  expect(await sliceOf('coronal')).toBe(coronal);
  // over the coronal view the keys move the coronal slice, not the axial one
  const c = await ws.box('coronal');
  await page.mouse.move(c.x + c.width / 2, c.y + c.height / 2);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => sliceOf('coronal')).toBe(coronal + 2);
  expect(await sliceOf('axial')).toBe(axial - 1);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => sliceOf('coronal')).toBe(coronal);
});

test('C hides the crosshair, so a one-slice stroke along it in the coronal view shows', async () => {
  const shown = await ws.shootView('coronal', 'layout-coronal-crosshair-shown');
  await page.keyboard.press('c');
  await expect(body()).toHaveAttribute('data-crosshair', 'hidden');
  await expect(page.getByTestId('crosshair-toggle')).toHaveAttribute('aria-pressed', 'false');
  const hidden = await ws.shootView('coronal', 'layout-coronal-crosshair-hidden');
  // the axial plane's line ran across the whole view: that row is the one that changed most
  const gone = changedPerRow(shown, hidden);
  const lineRow = gone.indexOf(Math.max(...gone));
  expect(gone[lineRow] ?? 0, 'the horizontal line is gone').toBeGreaterThan(shown.width / 2);

  // a stroke along where the line was, on this one coronal slice
  const before = Number(await body().getAttribute('data-segment-voxels'));
  await page.getByTestId('tool-brush').click();
  const y = (lineRow + 0.5) / shown.height;
  await ws.drag('coronal', [0.25, y], [0.75, y]);
  await expect
    .poll(async () => Number(await body().getAttribute('data-segment-voxels')))
    .toBeGreaterThan(before);
  const stroke = await ws.shootView('coronal', 'layout-coronal-stroke-crosshair-hidden');
  const painted = changedPerRow(hidden, stroke);
  expect(painted[lineRow] ?? 0, 'the stroke shows where the line was').toBeGreaterThan(
    0.3 * shown.width,
  );

  // the toolbar button brings the lines back, over the stroke
  await page.getByTestId('crosshair-toggle').click();
  await expect(body()).toHaveAttribute('data-crosshair', 'shown');
  const back = await ws.shootView('coronal', 'layout-coronal-crosshair-back');
  expect(Math.max(...changedPerRow(stroke, back))).toBeGreaterThan(shown.width / 2);
  await page.getByTestId('tool-crosshairs').click();
});

test('Export in the browser downloads the file and its label tables; extensions follow the format', async () => {
  await openTab(page, 'Export');
  const name = page.getByTestId('export-path');
  // a file name, not a path on the host
  await expect(name).toHaveValue('segmentation.nii.gz');
  await expect(page.getByTestId('browse')).toBeHidden();
  await aboveTheFold(page.getByTestId('export'));
  await page.getByTestId('export-format').selectOption('dicom-seg');
  await expect(name).toHaveValue('segmentation.dcm');
  await page.getByTestId('export-format').selectOption('nifti');
  await expect(name).toHaveValue('segmentation.nii.gz');
  await name.fill('oblique-mr.nii.gz');

  const files: Record<string, string> = {};
  const downloads: Promise<void>[] = [];
  page.on('download', (download) => {
    const path = join(work, download.suggestedFilename());
    downloads.push(
      download.saveAs(path).then(() => void (files[download.suggestedFilename()] = path)),
    );
  });
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-result')).toContainText(
    'Downloaded oblique-mr.nii.gz and 2 label tables',
  );
  await expect.poll(() => Object.keys(files).length).toBe(3);
  await Promise.all(downloads);
  await ws.shoot('layout-1366-export-downloaded');
  const nifti = files['oblique-mr.nii.gz'];
  if (!nifti) throw new Error(`no NIfTI among ${Object.keys(files).join(', ')}`);
  // the labels as nibabel reads them: the segment voxels the page counts
  const counted = execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys, nibabel, numpy; d = numpy.asarray(nibabel.load(sys.argv[1]).dataobj); print(int((d > 0).sum()))',
      nifti,
    ],
    { encoding: 'utf8' },
  );
  expect(Number(counted)).toBe(Number(await body().getAttribute('data-segment-voxels')));
  const tables = Object.keys(files).filter((f) => f !== 'oblique-mr.nii.gz');
  expect(tables.length).toBe(2);
  for (const table of tables)
    expect(readFileSync(files[table] ?? '', 'utf8')).toContain(
      'AAL atlas regions (cortex, deep nuclei)',
    );
  page.removeAllListeners('download');

  // a DICOM SEG downloads as .dcm
  await page.getByTestId('export-format').selectOption('dicom-seg');
  await expect(name).toHaveValue('oblique-mr.dcm');
  const [seg] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export').click(),
  ]);
  expect(seg.suggestedFilename()).toBe('oblique-mr.dcm');
  const segPath = join(work, 'oblique-mr.dcm');
  await seg.saveAs(segPath);
  expect(readFileSync(segPath).subarray(128, 132).toString('latin1')).toBe('DICM');
  await openTab(page, 'Segmentation');
});

test('a model trained on MR, run on a CT series: a warning in words before Segment', async () => {
  await open(axialCt);
  await openTab(page, 'AI');
  const warning = page.getByTestId('model-warning');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('was trained on MR images; the open series is CT');
  await expect(page.getByTestId('model-card')).toContainText('modality: MR');
  await aboveTheFold(page.getByTestId('segment'));
  await ws.shoot('layout-1366-ct-model-warning');
  // back on an MR series it goes
  await open(obliqueMr);
  await openTab(page, 'AI');
  await expect(warning).toBeHidden();
});
