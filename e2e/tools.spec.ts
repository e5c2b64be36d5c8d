import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { hostEnv } from './support/env';
import { changedPixels, meanDifference, type Rgba } from './support/png';
import {
  SAMPLE_DIMS,
  SAMPLE_SPACING_MM,
  SCREENSHOTS,
  WorkstationPage,
} from './support/workstationPage';

// One page, in order: window presets, the length tool, region grow, interpolation in coronal and
// sagittal, undo of segment table changes, the model card, segments in 3D, autosave failures.
test.describe.configure({ mode: 'serial' });

let ws: WorkstationPage;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  ws = new WorkstationPage(page);
  page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(hostEnv().url);
  await expect(ws.body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
});

test.afterAll(async () => {
  await ws?.page.close();
});

/** Voxel values of the sample at its non-zero 0.5th and 99.5th percentiles, exactly. */
async function nonZeroPercentiles(): Promise<[number, number]> {
  return ws.page.evaluate(async () => {
    const { volumeId } = document.body.dataset;
    const response = await fetch(`/voxels/volume/${volumeId}`);
    const values = Array.from(new Int16Array(await response.arrayBuffer())).filter((v) => v !== 0);
    values.sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
    return [at(0.005) ?? 0, at(0.995) ?? 0] as [number, number];
  });
}

test('the sample opens in the window its files carry; Auto and the presets change the pixels', async () => {
  const page = ws.page;
  // scripts/make-sample.ts writes Window Center 128, Width 256 into every file
  await expect(ws.body()).toHaveAttribute('data-window-preset', 'series-0');
  await expect(page.getByTestId('preset-series-0')).toHaveClass(/active/);
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 256 L 128');
  const own = await ws.shoot('tools-0-own');

  await page.keyboard.press('5');
  await expect(ws.body()).toHaveAttribute('data-window-preset', 'auto');
  await expect(page.getByTestId('preset-auto')).toHaveClass(/active/);
  await expect(page.getByTestId('preset-series-0')).not.toHaveClass(/active/);
  const [lower, upper] = await nonZeroPercentiles();
  const expected = `W ${Math.round(upper - lower)} L ${Math.round((upper + lower) / 2)}`;
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText(expected);
  const auto = await ws.shoot('tools-0-auto');
  expect(meanDifference(own.axial, auto.axial), 'auto is not the series window').toBeGreaterThan(1);

  await page.getByTestId('preset-brain').click();
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 80 L 40');
  const brain = await ws.shoot('tools-1-brain');
  expect(meanDifference(auto.axial, brain.axial), 'a CT preset looks different').toBeGreaterThan(5);

  await page.keyboard.press('5');
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText(expected);
  const back = await ws.shoot('tools-2-auto-again');
  expect(meanDifference(auto.axial, back.axial), 'auto again: the same picture').toBeLessThan(1);
});

/** Columns of the image that are lit: the volume's extent when air is shown bright. */
function litExtent(image: Rgba): { left: number; right: number } {
  const y = Math.floor(image.height / 2);
  let left = -1;
  let right = -1;
  for (let x = 0; x < image.width; x++) {
    const i = (y * image.width + x) * 4;
    if ((image.data[i] ?? 0) > 100) {
      if (left < 0) left = x;
      right = x;
    }
  }
  return { left, right };
}

test('the length tool measures a drag in mm, against the known voxel spacing', async () => {
  const page = ws.page;
  // The lung window shows the MR's air (0) light grey and the space outside the volume black:
  // the lit width of the axial view is the volume's 90 columns of 2 mm.
  await page.getByTestId('preset-lung').click();
  const image = await ws.shootView('axial', 'tools-3-lung-extent');
  const { left, right } = litExtent(image);
  const b = await ws.box('axial');
  const scale = image.width / b.width;
  const mmPerCssPixel = (SAMPLE_DIMS[0] * SAMPLE_SPACING_MM) / ((right - left + 1) / scale);

  await page.getByTestId('tool-length').click();
  await expect(ws.body()).toHaveAttribute('data-active-tool', 'length');
  const [from, to] = [0.3, 0.7];
  await ws.drag('axial', [from, 0.6], [to, 0.6], 10);
  const text = ws.view('axial').locator('svg text');
  await expect(text.first()).toContainText('mm');
  // the label follows the drag a render behind: read it once it has settled
  const read = async () =>
    Number(/([\d.]+)\s*mm/.exec((await text.allTextContents()).join(' '))?.[1]);
  let shown = await read();
  for (let tries = 0; tries < 20; tries++) {
    await page.waitForTimeout(300);
    const again = await read();
    if (again === shown) break;
    shown = again;
  }
  const expected = (to - from) * b.width * mmPerCssPixel;
  await page.screenshot({ path: join(SCREENSHOTS, 'tools-4-length.png') });
  console.log(`length tool: ${shown} mm shown, ${expected.toFixed(1)} mm from the spacing`);
  expect(Math.abs(shown - expected) / expected).toBeLessThan(0.03);
  await page.getByTestId('tool-crosshairs').click();
  await page.keyboard.press('5');
});

test('region grow from a click fills the connected voxels within the tolerance, in 3D', async () => {
  const page = ws.page;
  await page.getByTestId('add-segment').click();
  const segment = Number(await ws.body().getAttribute('data-active-segment'));
  await page.getByTestId('grow-tolerance').fill('40');
  await page.getByTestId('grow-mode').selectOption('3d');
  await page.getByTestId('tool-regionGrow').click();
  await expect(ws.body()).toHaveAttribute('data-active-tool', 'regionGrow');
  const before = await ws.shoot('tools-5-before-grow');
  await ws.click('axial', [0.5, 0.45]);
  await expect
    .poll(async () => Number(await ws.body().getAttribute('data-grown')))
    .toBeGreaterThan(100);
  const grown = Number(await ws.body().getAttribute('data-grown'));
  const seed = ((await ws.body().getAttribute('data-grow-seed')) ?? '').split(',').map(Number);
  const after = await ws.shoot('tools-6-grown');
  for (const id of ['axial', 'coronal', 'sagittal'] as const) {
    expect(changedPixels(before[id], after[id]), `${id} shows the region`).toBeGreaterThan(50);
  }
  // An independent flood fill over the saved voxels: the same region, voxel for voxel.
  const check = await ws.analyseSaved(
    (voxels, labels, { seed, tolerance, dims, segment }) => {
      const [nx, ny, nz] = dims;
      const plane = nx * ny;
      const start = seed[2] * plane + seed[1] * nx + seed[0];
      const centre = voxels[start] ?? 0;
      const inside = new Uint8Array(voxels.length);
      const queue = [start];
      inside[start] = 1;
      let count = 0;
      while (queue.length) {
        const n = queue.pop() as number;
        count++;
        const i = n % nx;
        const j = Math.floor(n / nx) % ny;
        const k = Math.floor(n / plane);
        const next = [
          i > 0 ? n - 1 : -1,
          i < nx - 1 ? n + 1 : -1,
          j > 0 ? n - nx : -1,
          j < ny - 1 ? n + nx : -1,
          k > 0 ? n - plane : -1,
          k < nz - 1 ? n + plane : -1,
        ];
        for (const m of next) {
          if (m < 0 || inside[m]) continue;
          if (Math.abs((voxels[m] ?? 0) - centre) > tolerance) continue;
          inside[m] = 1;
          queue.push(m);
        }
      }
      let labelled = 0;
      let mismatched = 0;
      for (let n = 0; n < labels.length; n++) {
        const isSegment = labels[n] === segment;
        if (isSegment) labelled++;
        if (isSegment !== (inside[n] === 1)) mismatched++;
      }
      return { count, labelled, mismatched, centre };
    },
    { seed, tolerance: 40, dims: SAMPLE_DIMS, segment },
  );
  console.log(`region grow: ${grown} voxels from ${seed.join(',')} (value ${check.centre})`);
  expect(check.count).toBe(grown);
  expect(check.labelled).toBe(grown);
  expect(check.mismatched).toBe(0);

  // Undo takes the whole region back in one step; redo returns it.
  const grownState = await ws.labelState();
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await ws.labelState()).voxels).toBe(grownState.voxels - grown);
  await page.keyboard.press('Control+y');
  await expect.poll(async () => (await ws.labelState()).hash).toBe(grownState.hash);
});

test('region grow in slice mode stays in the clicked view’s slice', async () => {
  const page = ws.page;
  await page.getByTestId('add-segment').click();
  const segment = Number(await ws.body().getAttribute('data-active-segment'));
  await page.getByTestId('grow-mode').selectOption('plane');
  await ws.click('coronal', [0.5, 0.4]);
  await expect
    .poll(async () => Number(await ws.body().getAttribute('data-grown')))
    .toBeGreaterThan(20);
  const grown = Number(await ws.body().getAttribute('data-grown'));
  await ws.shoot('tools-7-grown-in-slice');
  const spread = await ws.analyseSaved(
    (_voxels, labels, { dims, segment }) => {
      const [nx, ny] = dims;
      const sets = [new Set<number>(), new Set<number>(), new Set<number>()];
      let count = 0;
      for (let n = 0; n < labels.length; n++) {
        if (labels[n] !== segment) continue;
        count++;
        sets[0]?.add(n % nx);
        sets[1]?.add(Math.floor(n / nx) % ny);
        sets[2]?.add(Math.floor(n / (nx * ny)));
      }
      return { count, distinct: sets.map((s) => s.size) };
    },
    { dims: SAMPLE_DIMS, segment },
  );
  expect(spread.count).toBe(grown);
  // one index axis holds a single value (the coronal slice), the other two spread out
  expect(spread.distinct.filter((n) => n === 1)).toHaveLength(1);
  expect(spread.distinct.filter((n) => n > 5)).toHaveLength(2);
  await page.getByTestId('tool-crosshairs').click();
});

for (const plane of ['coronal', 'sagittal'] as const) {
  test(`interpolation fills between slices edited in the ${plane} view`, async () => {
    const page = ws.page;
    // a new segmentation: interpolation fills only unlabelled voxels, and the grown regions
    // above cover much of the head
    const segmentations = await page.getByTestId('segmentation-select').locator('option').count();
    await page.getByTestId('new-segmentation').click();
    await expect(page.getByTestId('segmentation-select').locator('option')).toHaveCount(
      segmentations + 1,
    );
    const segment = Number(await ws.body().getAttribute('data-active-segment'));
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('8');
    await ws.drag(plane, [0.45, 0.55], [0.55, 0.55], 4);
    await ws.scroll(plane, 5);
    await ws.drag(plane, [0.45, 0.55], [0.6, 0.55], 4);
    const strokes = await ws.labelState();
    await page.getByTestId('interpolate').click();
    await expect.poll(async () => (await ws.labelState()).voxels).toBeGreaterThan(strokes.voxels);
    await ws.shoot(`tools-8-interpolated-${plane}`);
    const axis = Number(await ws.body().getAttribute('data-interpolated-axis'));
    const slices = await ws.analyseSaved(
      (_voxels, labels, { dims, segment }) => {
        const [nx, ny] = dims;
        const per = [
          new Map<number, number>(),
          new Map<number, number>(),
          new Map<number, number>(),
        ];
        for (let n = 0; n < labels.length; n++) {
          if (labels[n] !== segment) continue;
          const coords = [n % nx, Math.floor(n / nx) % ny, Math.floor(n / (nx * ny))];
          coords.forEach((c, a) => per[a]?.set(c, (per[a]?.get(c) ?? 0) + 1));
        }
        return per.map((m) => [...m.entries()].sort((a, b) => a[0] - b[0]));
      },
      { dims: SAMPLE_DIMS, segment },
    );
    console.log(`${plane}: axis ${axis}`, JSON.stringify(slices));
    // Across the view's axis the segment now covers every slice from the first stroke to the
    // second (both strokes one slice each, five slices apart), nothing beyond.
    const across = slices[axis] ?? [];
    const indices = across.map(([k]) => k);
    expect(indices.length, `slices across axis ${axis}: ${JSON.stringify(across)}`).toBe(6);
    expect((indices.at(-1) ?? 0) - (indices[0] ?? 0)).toBe(5);
    for (const [, count] of across) expect(count).toBeGreaterThan(3);
    await page.getByTestId('reset').click();
  });
}

test('segment rename, colour, hide, lock and delete are each undone and redone', async () => {
  const page = ws.page;
  await page.getByTestId('tool-crosshairs').click();
  // the first segmentation's segment 2: the region grown in 3D, seen in every view
  await page.getByTestId('segmentation-select').selectOption({ index: 0 });
  await page.getByTestId('segment-2').click();
  await expect(ws.body()).toHaveAttribute('data-active-segment', '2');
  const name = page.getByTestId('segment-name-2');
  const original = await name.inputValue();
  await name.fill('Ventricle');
  await name.press('Enter');
  await expect(name).toHaveValue('Ventricle');

  const colour = page.getByTestId('segment-color-2');
  const originalColour = await colour.inputValue();
  const before = await ws.shoot('tools-9-before-colour');
  await colour.evaluate((input: HTMLInputElement) => {
    input.value = '#00ff00';
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  const green = await ws.shoot('tools-10-green');
  expect(changedPixels(before.axial, green.axial), 'the segment turned green').toBeGreaterThan(20);

  await page.getByTestId('segment-visible-2').click();
  await expect(page.getByTestId('segment-visible-2')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('segment-lock-2').click();
  await expect(page.getByTestId('segment-lock-2')).toHaveAttribute('aria-pressed', 'true');
  const withSegment = await ws.labelState();
  await page.getByTestId('segment-delete-2').click();
  await expect(page.getByTestId('segment-2')).toHaveCount(0);

  // A tool switch between the edits and the undos: the history stays.
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('tool-crosshairs').click();

  await page.keyboard.press('Control+z'); // delete
  await expect(page.getByTestId('segment-2')).toHaveCount(1);
  await expect.poll(async () => (await ws.labelState()).hash).toBe(withSegment.hash);
  await page.keyboard.press('Control+z'); // lock
  await expect(page.getByTestId('segment-lock-2')).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Control+z'); // hide
  await expect(page.getByTestId('segment-visible-2')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('undo').click(); // colour
  await expect(page.getByTestId('segment-color-2')).toHaveValue(originalColour);
  const restored = await ws.shoot('tools-11-colour-undone');
  expect(meanDifference(before.axial, restored.axial), 'the old colour is back').toBeLessThan(1);
  await page.getByTestId('undo').click(); // rename
  await expect(page.getByTestId('segment-name-2')).toHaveValue(original);

  for (let n = 0; n < 5; n++) await page.keyboard.press('Control+y');
  await expect(page.getByTestId('segment-2')).toHaveCount(0);
  await expect(page.getByTestId('redo')).toBeDisabled();
  for (let n = 0; n < 5; n++) await page.keyboard.press('Control+z');
  await expect(page.getByTestId('segment-name-2')).toHaveValue(original);
  await expect(page.getByTestId('segment-color-2')).toHaveValue(originalColour);
});

test('the AI panel shows the picked model’s card', async () => {
  const card = ws.page.getByTestId('model-card');
  await expect(card).toContainText('kind: threshold');
  await expect(card).toContainText('conversion: none');
  await expect(card).toContainText('classes: background');
  await expect(card).toContainText('patch:');
  await expect(card).toContainText('metrics:');
  await expect(card).toContainText('trained on:');
});

test('the 2x2 layout shows the segments in the 3D view, and can leave them out', async () => {
  const page = ws.page;
  // the first segmentation: the regions grown above
  await page.getByTestId('segmentation-select').selectOption({ index: 0 });
  await page.getByTestId('layout-2x2').click();
  await expect(ws.view('volume3d')).toBeVisible();
  const active = await ws.body().getAttribute('data-active-segmentation');
  await expect(ws.body()).toHaveAttribute('data-segmentation3d', active ?? '', { timeout: 60_000 });
  await page.waitForTimeout(1500);
  const withSegments = await ws.shootView('volume3d', 'tools-12-3d-segments');
  await page.getByTestId('segments-3d').uncheck();
  await expect(ws.body()).toHaveAttribute('data-segmentation3d', '');
  await page.waitForTimeout(1500);
  const without = await ws.shootView('volume3d', 'tools-13-3d-without');
  expect(changedPixels(withSegments, without), 'the segments showed in 3D').toBeGreaterThan(200);
  await page.getByTestId('segments-3d').check();
  await page.getByTestId('layout-1x3').click();
});

test('autosave: a failing save names its cause, keeps the edits and is retried', async () => {
  const page = ws.page;
  const folder = join(hostEnv().dataDir, 'segmentations');
  const aside = `${folder}.aside`;
  mkdirSync(folder, { recursive: true });
  renameSync(folder, aside);
  // a file where the folder should be: every save fails, even as root
  writeFileSync(folder, 'not a folder');
  try {
    await page.getByTestId('tool-brush').click();
    await ws.drag('axial', [0.35, 0.7], [0.6, 0.7], 6);
    const edited = await ws.labelState();
    await expect(ws.body()).toHaveAttribute('data-save-state', 'error', { timeout: 20_000 });
    const banner = page.getByTestId('error-message');
    await expect(banner).toContainText('Autosave');
    await expect(banner).toContainText(/segmentations/);
    await expect(banner).toContainText(/EEXIST|ENOTDIR|not a directory|exists/i);
    await expect(page.getByTestId('save-status')).toContainText('retrying');
    await page.screenshot({ path: join(SCREENSHOTS, 'tools-14-autosave-error.png') });
    console.log(`autosave failure shown: ${await banner.textContent()}`);
    expect(await ws.labelState(), 'the edits stay in the page').toEqual(edited);
  } finally {
    rmSync(folder, { force: true });
    if (existsSync(aside)) renameSync(aside, folder);
  }
  const restoredAt = Date.now() - 5;
  // writable again: the retry saves without another edit
  await expect(ws.body()).toHaveAttribute('data-save-state', 'saved', { timeout: 40_000 });
  await page.getByTestId('error-dismiss').click();
  // the record on disk is the revision the page last saved, written after the folder came back
  const id = (await ws.body().getAttribute('data-active-segmentation')) ?? '';
  const revision = Number(await ws.body().getAttribute('data-saved-revision'));
  const records = readdirSync(folder).map((series) => join(folder, series, `${id}.json`));
  const record = records.find((path) => existsSync(path));
  expect(record, 'the segmentation was saved to disk').toBeTruthy();
  const saved = JSON.parse(readFileSync(record ?? '', 'utf8')) as { revision: number };
  expect(saved.revision).toBe(revision);
  expect(statSync(record ?? '').mtimeMs).toBeGreaterThan(restoredAt);
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !e.startsWith('Autosave')));
});

test('deleting the segmentations leaves none saved for the next visit', async () => {
  const page = ws.page;
  page.on('dialog', (dialog) => void dialog.accept());
  const options = page.getByTestId('segmentation-select').locator('option');
  for (let left = await options.count(); left > 0; left--) {
    await page.getByTestId('delete-segmentation').click();
    await expect(options).toHaveCount(left - 1);
  }
  await page.reload();
  await expect(ws.body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('save-status')).not.toContainText('Restored');
  await expect(options).toHaveCount(1);
});

test('the tools page logged no errors', async () => {
  expect(pageErrors).toEqual([]);
});
