import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ORIENTATIONS } from '../test/helpers/dicomSeries';
import { brainVoxels } from '../test/helpers/dicomSeries';
import { ctSeries as colinCt } from './support/mricronSeries';
import { hostEnv } from './support/env';
import { callFromPage } from './support/pageSocket';
import { luminanceStats, meanDifference } from './support/png';
import { WorkstationPage } from './support/workstationPage';

// The workstation as a radiologist meets it (issue 13): a lone bad file, a CT that carries its
// own window, an import that opens what it brought. One page, clicks and keys as a person's.
test.describe.configure({ mode: 'serial' });

let page: Page;
let ws: WorkstationPage;
let work = '';
const imported: string[] = [];

const body = () => page.locator('body');
const waitReady = () => expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });

/** A CT of Colin27 with its own windows (support/mricronSeries.ts), deleted after the run. */
function ctSeries(dir: string, orientation: keyof typeof ORIENTATIONS, description: string) {
  const fixture = colinCt(dir, orientation, description);
  imported.push(fixture.seriesInstanceUid);
  return fixture;
}

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), 'radiologist-e2e-'));
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  ws = new WorkstationPage(page);
  await page.goto(hostEnv().url);
  await waitReady();
});

test.afterAll(async () => {
  for (const seriesId of imported)
    await callFromPage(page, 'deleteSeries', { seriesId }).catch(() => undefined);
  await page.close();
  rmSync(work, { recursive: true, force: true });
});

const loneFiles: [string, () => Buffer, string][] = [
  ['readme.txt', () => Buffer.from('a note, not an image\n'), 'not-dicom'],
  ['empty.dcm', () => Buffer.alloc(0), 'empty'],
  [
    'random.dcm',
    () => Buffer.from(Array.from({ length: 100 }, (_, n) => (n * 97 + 13) % 256)),
    'not-dicom',
  ],
];

for (const [name, bytes, problem] of loneFiles) {
  test(`a lone ${name} imported alone: its error within a second, and the panel free again`, async () => {
    const path = join(work, name);
    writeFileSync(path, bytes());
    const started = Date.now();
    await page.getByTestId('import-file-input').setInputFiles(path);
    const error = page.getByTestId('import-error');
    await expect(error).toHaveCount(1, { timeout: 5_000 });
    const took = Date.now() - started;
    console.log(`${name}: error shown ${took} ms after the pick`);
    await expect(error).toHaveAttribute('data-problem', problem);
    await expect(error).toContainText(name);
    await expect(body()).toHaveAttribute('data-import-state', 'done');
    await expect(page.getByTestId('import-cancel')).toBeHidden();
    expect(took).toBeLessThan(1_000);
  });
}

test('after the bad files, one CT series imported opens by itself in its own window', async () => {
  const ct = ctSeries(join(work, 'ct', 'coronal'), 'coronal', 'coronal CT');
  await page.getByTestId('import-folder-input').setInputFiles(join(work, 'ct'));
  // the import succeeded, the series opened without a click, the summary survived the switch
  await expect(body()).toHaveAttribute('data-series-id', ct.seriesInstanceUid, {
    timeout: 60_000,
  });
  await waitReady();
  await expect(page.getByTestId('import-result')).toContainText('1 series imported');
  await expect(body()).toHaveAttribute('data-window-preset', 'series-0');
  await expect(page.getByTestId('preset-series-0')).toHaveText('NARROW');
  await expect(page.getByTestId('preset-series-0')).toHaveClass(/active/);
  await expect(page.getByTestId('preset-series-1')).toHaveText('SOFT TISSUE');
  await expect(page.getByTestId('preset-auto')).not.toHaveClass(/active/);
  // W 57 around -933.5 HU: Math.round gives -933
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 57 L -933');
  const own = await ws.shoot('radiologist-ct-own-window');
  for (const plane of ['axial', 'coronal', 'sagittal'] as const)
    expect(luminanceStats(own[plane]).lit, `${plane} shows the brain`).toBeGreaterThan(0.05);

  // a soft-tissue window shows nothing of values under -769 HU: black, as the issue saw it
  await page.getByTestId('preset-abdomen').click();
  await expect(page.getByTestId('preset-abdomen')).toHaveClass(/active/);
  await expect(page.getByTestId('preset-series-0')).not.toHaveClass(/active/);
  const soft = await ws.shoot('radiologist-ct-soft-tissue');
  expect(luminanceStats(soft.axial).lit).toBeLessThan(0.01);

  // Reset view returns to the series' window, and marks it
  await page.getByTestId('reset').click();
  await expect(body()).toHaveAttribute('data-window-preset', 'series-0');
  await expect(page.getByTestId('preset-series-0')).toHaveClass(/active/);
  await expect(page.getByTestId('preset-abdomen')).not.toHaveClass(/active/);
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 57 L -933');
  const reset = await ws.shoot('radiologist-ct-reset');
  expect(meanDifference(own.axial, reset.axial)).toBeLessThan(1);

  // the second window the series carries is a preset
  await page.getByTestId('preset-series-1').click();
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 400 L 40');
  await expect(page.getByTestId('preset-series-1')).toHaveClass(/active/);

  // a window dragged by hand is no preset: none stays highlighted
  await page.getByTestId('preset-series-0').click();
  const b = await ws.box('axial');
  await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.5);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(b.x + b.width * 0.7, b.y + b.height * 0.6, { steps: 6 });
  await page.mouse.up({ button: 'right' });
  await expect(body()).toHaveAttribute('data-window-preset', 'custom');
  await expect(page.locator('button[data-preset].active')).toHaveCount(0);
  // Space (reset) brings the series' window back
  await page.keyboard.press('Space');
  await expect(body()).toHaveAttribute('data-window-preset', 'series-0');
});

test('an import of several series offers one button each; a click opens that one', async () => {
  const folder = join(work, 'two');
  mkdirSync(folder);
  const axial = ctSeries(join(folder, 'a'), 'axial', 'axial CT');
  const oblique = ctSeries(join(folder, 'b'), 'oblique', 'oblique CT');
  const before = await body().getAttribute('data-series-id');
  await page.getByTestId('import-folder-input').setInputFiles(folder);
  await expect(body()).toHaveAttribute('data-import-state', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('import-result')).toContainText('2 series imported');
  const choices = page.getByTestId('import-open');
  await expect(choices).toHaveCount(2);
  const slices = brainVoxels(4).dims[2];
  await expect(choices.filter({ hasText: 'oblique CT' })).toContainText(`CT, ${slices} slices`);
  // nothing opened by itself: the user chooses
  await expect(body()).toHaveAttribute('data-series-id', before ?? '');
  await choices.filter({ hasText: 'oblique CT' }).click();
  await expect(body()).toHaveAttribute('data-series-id', oblique.seriesInstanceUid, {
    timeout: 60_000,
  });
  await waitReady();
  await expect(
    page.locator(`[data-testid="series-item"][data-series-id="${oblique.seriesInstanceUid}"]`),
  ).toHaveClass(/open/);
  expect(axial.seriesInstanceUid).not.toBe(oblique.seriesInstanceUid);
  await ws.shoot('radiologist-oblique-opened');
});
