import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { SeriesSummary } from '../src/api';
import type { SeriesFixture } from '../test/helpers/dicomSeries';
import { hostEnv } from './support/env';
import { ctSeries, mrSeries } from './support/mricronSeries';
import { callFromPage } from './support/pageSocket';
import { meanDifference } from './support/png';
import { PLANES, WorkstationPage } from './support/workstationPage';

// Issue 13 item 8, as a reader meets it: the eraser takes the active segment only (with "Erase
// all segments" for the rest), on an oblique MR; a window dragged in one view of a CT is the
// window of all three, and the preset highlight follows it. Series from mricron-data.
test.describe.configure({ mode: 'serial' });

let page: Page;
let ws: WorkstationPage;
let work = '';
let mr: SeriesFixture;
let ct: SeriesFixture;

const body = () => page.locator('body');

async function open(uid: string): Promise<void> {
  await page.locator(`[data-testid="series-item"][data-series-id="${uid}"]`).click();
  await expect(body()).toHaveAttribute('data-series-id', uid, { timeout: 30_000 });
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

/** Voxels of segments 1 and 2 of the active segmentation, as saved by the page. */
async function segmentCounts(): Promise<[number, number]> {
  return ws.analyseSaved((_voxels, labels) => {
    let one = 0;
    let two = 0;
    for (const label of labels) {
      if (label === 1) one++;
      else if (label === 2) two++;
    }
    return [one, two] as [number, number];
  }, null);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  work = mkdtempSync(join(tmpdir(), 'eraser-window-e2e-'));
  mr = mrSeries(join(work, 'series', 'mr'), 'oblique', 'eraser MR oblique', 2);
  ct = ctSeries(join(work, 'series', 'ct'), 'coronal', 'window CT coronal', 2);
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  ws = new WorkstationPage(page);
  await page.goto(hostEnv().url);
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await callFromPage(page, 'importPaths', { paths: [join(work, 'series')] });
  const wanted = [mr.seriesInstanceUid, ct.seriesInstanceUid];
  await expect
    .poll(
      async () =>
        (await callFromPage<SeriesSummary[]>(page, 'listSeries', {})).filter((s) =>
          wanted.includes(s.seriesId),
        ).length,
      { timeout: 120_000, intervals: [1_000] },
    )
    .toBe(2);
  await page.reload();
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
});

test.afterAll(async () => {
  for (const seriesId of [mr.seriesInstanceUid, ct.seriesInstanceUid])
    await callFromPage(page, 'deleteSeries', { seriesId }).catch(() => 0);
  await page.close();
  rmSync(work, { recursive: true, force: true });
});

test('the eraser takes the active segment only; "Erase all segments" takes every one', async () => {
  await open(mr.seriesInstanceUid);
  // segment 1: a horizontal stroke; segment 2: a vertical one crossing it
  await page.keyboard.press('b');
  await ws.drag('axial', [0.35, 0.5], [0.65, 0.5]);
  await page.keyboard.press('n');
  await expect(body()).toHaveAttribute('data-active-segment', '2');
  await ws.drag('axial', [0.5, 0.35], [0.5, 0.65]);
  const painted = await segmentCounts();
  console.log(`painted: segment 1 ${painted[0]}, segment 2 ${painted[1]} voxels`);
  expect(painted[0]).toBeGreaterThan(100);
  expect(painted[1]).toBeGreaterThan(100);
  await ws.shoot('eraser-painted');

  // the eraser along segment 1's stroke, segment 2 active: only segment 2's crossing part goes
  await page.getByRole('button', { name: 'Eraser', exact: true }).click();
  await expect(body()).toHaveAttribute('data-active-tool', 'eraser');
  await expect(page.getByRole('checkbox', { name: 'Erase all segments' })).not.toBeChecked();
  await ws.drag('axial', [0.3, 0.5], [0.7, 0.5]);
  const erasedActive = await segmentCounts();
  console.log(`eraser, active segment only: ${erasedActive.join(', ')}`);
  expect(erasedActive[0], 'segment 1 is untouched').toBe(painted[0]);
  expect(erasedActive[1], 'segment 2 lost its crossing part').toBeLessThan(painted[1]);
  expect(erasedActive[1], 'segment 2 kept the rest').toBeGreaterThan(0);
  await ws.shoot('eraser-active-only');

  // "Erase all segments", segment 2 still active: the same stroke now takes segment 1 too
  await page.getByRole('checkbox', { name: 'Erase all segments' }).check();
  await ws.drag('axial', [0.3, 0.5], [0.7, 0.5]);
  const erasedAll = await segmentCounts();
  console.log(`eraser, all segments: ${erasedAll.join(', ')}`);
  expect(erasedAll[0], 'segment 1 goes under the brush').toBeLessThan(erasedActive[0] / 10);
  expect(erasedAll[1], 'segment 2 keeps what the brush did not reach').toBeGreaterThan(0);
  await ws.shoot('eraser-all-segments');
  await page.getByRole('checkbox', { name: 'Erase all segments' }).uncheck();
});

test('a window dragged in one view is the window of all three; the highlight follows', async () => {
  await open(ct.seriesInstanceUid);
  await page.keyboard.press('c');
  const wl = (plane: string) => page.getByTestId(`overlay-wl-${plane}`);
  for (const plane of PLANES) await expect(wl(plane)).toHaveText('W 57 L -933');
  await expect(page.getByRole('button', { name: 'NARROW', exact: true })).toHaveClass(/active/);
  const before = await ws.shoot('window-ct-narrow');

  // a right drag in the axial view
  const b = await ws.box('axial');
  await page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.5);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(b.x + b.width * 0.7, b.y + b.height * 0.6, { steps: 6 });
  await page.mouse.up({ button: 'right' });
  await expect(body()).toHaveAttribute('data-window-preset', 'custom');
  const axialText = (await wl('axial').textContent()) ?? '';
  expect(axialText).not.toBe('W 57 L -933');
  for (const plane of PLANES) await expect(wl(plane)).toHaveText(axialText);
  await expect(page.locator('button[data-preset].active')).toHaveCount(0);
  const dragged = await ws.shoot('window-ct-dragged-axial');
  // the coronal and sagittal pictures changed with the axial one
  for (const plane of PLANES) {
    const change = meanDifference(before[plane], dragged[plane]);
    console.log(`${plane}: mean change ${change.toFixed(1)} after a drag in the axial view`);
    // a view the window did not reach would be the same picture (a difference of 0)
    expect(change, `${plane} follows the window`).toBeGreaterThan(1);
  }

  // a preset sets all three and is highlighted; a drag in the sagittal view moves all three
  await page.getByRole('button', { name: 'SOFT TISSUE', exact: true }).click();
  for (const plane of PLANES) await expect(wl(plane)).toHaveText('W 400 L 40');
  await expect(page.getByRole('button', { name: 'SOFT TISSUE', exact: true })).toHaveClass(
    /active/,
  );
  await expect(page.locator('button[data-preset].active')).toHaveCount(1);
  const s = await ws.box('sagittal');
  await page.mouse.move(s.x + s.width * 0.5, s.y + s.height * 0.5);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(s.x + s.width * 0.3, s.y + s.height * 0.3, { steps: 6 });
  await page.mouse.up({ button: 'right' });
  const sagittalText = (await wl('sagittal').textContent()) ?? '';
  expect(sagittalText).not.toBe('W 400 L 40');
  for (const plane of PLANES) await expect(wl(plane)).toHaveText(sagittalText);
  await expect(page.locator('button[data-preset].active')).toHaveCount(0);
  // the series' window again: highlighted, all three
  await page.getByRole('button', { name: 'NARROW', exact: true }).click();
  for (const plane of PLANES) await expect(wl(plane)).toHaveText('W 57 L -933');
  await expect(body()).toHaveAttribute('data-window-preset', 'series-0');
  await ws.shoot('window-ct-narrow-again');
});
