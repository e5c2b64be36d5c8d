import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { hostEnv } from './support/env';
import { downloadExport, openTab } from './support/workstationPage';
import { changedPixels, decodePng, reddenedRegion, type Rgba } from './support/png';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const PLANES = ['axial', 'coronal', 'sagittal'] as const;
type PlaneId = (typeof PLANES)[number];

// One page: paint, erase, undo/redo, threshold brush, interpolation, panels, reload.
test.describe.configure({ mode: 'serial' });

let page: Page;
const pageErrors: string[] = [];
const view = (id: PlaneId): Locator => page.getByTestId(`viewport-${id}`);
const body = (): Locator => page.locator('body');

async function shoot(name: string): Promise<Record<PlaneId, Rgba>> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Keep the brush cursor out of the pictures.
  await page.mouse.move(2, 2);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const images = {} as Record<PlaneId, Rgba>;
  for (const id of PLANES) {
    const png = await view(id).screenshot();
    writeFileSync(join(SCREENSHOTS, `${name}-${id}.png`), png);
    images[id] = decodePng(png);
  }
  return images;
}

async function box(id: PlaneId) {
  const found = await view(id).boundingBox();
  if (!found) throw new Error(`the ${id} view has no box`);
  return found;
}

/** A left-button drag across the view, fractions of its box, in a few steps as a hand would. */
async function drag(id: PlaneId, from: [number, number], to: [number, number], steps = 8) {
  const b = await box(id);
  await page.mouse.move(b.x + b.width * from[0], b.y + b.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * to[0], b.y + b.height * to[1], { steps });
  await page.mouse.up();
}

/** The labelled voxel count and hash once the panel has caught up with the last edit. */
async function labelState(): Promise<{ voxels: number; hash: string }> {
  const read = async () => ({
    voxels: Number(await body().getAttribute('data-segment-voxels')),
    hash: (await body().getAttribute('data-segment-hash')) ?? '',
  });
  // settled: the same twice, 400 ms apart (the panel recounts 250 ms after the last change)
  await page.waitForTimeout(500);
  let last = await read();
  for (let tries = 0; tries < 20; tries++) {
    await page.waitForTimeout(400);
    const now = await read();
    if (now.hash === last.hash) return now;
    last = now;
  }
  return last;
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(hostEnv().url);
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
});

test.afterAll(async () => {
  await page?.close();
});

test('a brush stroke in the axial view shows at the right place in all three views', async () => {
  const before = await shoot('edit-0-empty');
  const empty = await labelState();
  expect(empty.voxels).toBe(0);

  await page.getByTestId('tool-brush').click();
  await expect(body()).toHaveAttribute('data-active-tool', 'brush');
  await page.getByTestId('brush-size').fill('6');
  await expect(page.getByTestId('brush-size-text')).toHaveText('6 mm');
  // Left to right through the centre of the axial slice (the crosshairs' centre).
  await drag('axial', [0.3, 0.5], [0.7, 0.5]);
  await expect.poll(async () => (await labelState()).voxels).toBeGreaterThan(0);
  const painted = await shoot('edit-1-brush');

  const axial = reddenedRegion(before.axial, painted.axial);
  const coronal = reddenedRegion(before.coronal, painted.coronal);
  const sagittal = reddenedRegion(before.sagittal, painted.sagittal);
  const a = before.axial;
  expect(axial.count, 'axial: the stroke is drawn').toBeGreaterThan(500);
  expect(Math.abs(axial.y - a.height / 2), 'axial: along the centre line').toBeLessThan(
    a.height * 0.04,
  );
  expect(axial.left / a.width).toBeGreaterThan(0.25);
  expect(axial.right / a.width).toBeLessThan(0.75);
  // Coronal: the stroke's slice is the axial plane through the centre, so a thin horizontal band
  // at mid height that spans the same left-right extent.
  const c = before.coronal;
  expect(coronal.count, 'coronal: the stroke shows').toBeGreaterThan(50);
  expect(Math.abs(coronal.y - c.height / 2), 'coronal: at the axial plane').toBeLessThan(
    c.height * 0.05,
  );
  expect(coronal.bottom - coronal.top, 'coronal: one slice thick').toBeLessThan(c.height * 0.1);
  expect(coronal.right - coronal.left, 'coronal: as wide as the stroke').toBeGreaterThan(
    (axial.right - axial.left) * 0.7,
  );
  // Sagittal: the stroke crosses the sagittal plane at the centre: a short mark at the centre.
  const s = before.sagittal;
  expect(sagittal.count, 'sagittal: the stroke shows').toBeGreaterThan(5);
  expect(Math.abs(sagittal.y - s.height / 2), 'sagittal: at the axial plane').toBeLessThan(
    s.height * 0.05,
  );
  expect(Math.abs(sagittal.x - s.width / 2), 'sagittal: at the stroke').toBeLessThan(
    s.width * 0.06,
  );
  expect(sagittal.right - sagittal.left).toBeLessThan(s.width * 0.2);

  const volume = page.getByTestId('segment-volume-1');
  await expect(volume).toContainText('ml');
  expect(Number(await volume.getAttribute('data-voxels'))).toBe((await labelState()).voxels);
});

test('the eraser removes part of the stroke; undo and redo restore each state exactly', async () => {
  const empty = { voxels: 0 };
  const stroke = await labelState();
  await page.getByTestId('tool-eraser').click();
  await drag('axial', [0.5, 0.35], [0.5, 0.65], 6);
  await expect.poll(async () => (await labelState()).voxels).toBeLessThan(stroke.voxels);
  const erased = await labelState();
  expect(erased.voxels).toBeGreaterThan(0);
  await shoot('edit-2-erased');

  // Undo survives the tool switch back to crosshairs, and goes back through both edits.
  await page.getByTestId('tool-crosshairs').click();
  await expect(page.getByTestId('undo')).toBeEnabled();
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await labelState()).hash).toBe(stroke.hash);
  await page.getByTestId('undo').click();
  await expect.poll(async () => (await labelState()).voxels).toBe(empty.voxels);
  await shoot('edit-3-undone');
  await page.getByTestId('redo').click();
  await expect.poll(async () => (await labelState()).hash).toBe(stroke.hash);
  await page.keyboard.press('Control+y');
  await expect.poll(async () => (await labelState()).hash).toBe(erased.hash);
  await expect(page.getByTestId('redo')).toBeDisabled();
  await shoot('edit-4-redone');
});

test('segments: add, rename, colour, hide, lock and delete (undoable)', async () => {
  await page.getByTestId('add-segment').click();
  await expect(page.getByTestId('segment-2')).toHaveClass(/active/);
  await page.getByTestId('segment-name-2').fill('Lesion');
  await page.getByTestId('segment-name-2').press('Enter');
  await expect(page.getByTestId('segment-name-2')).toHaveValue('Lesion');
  await page.getByTestId('tool-brush').click();
  await drag('axial', [0.45, 0.3], [0.55, 0.3], 4);
  await expect
    .poll(async () =>
      Number(await page.getByTestId('segment-volume-2').getAttribute('data-voxels')),
    )
    .toBeGreaterThan(0);
  const withLesion = await labelState();

  // A locked segment keeps its voxels when another segment paints over it.
  await page.getByTestId('segment-lock-2').click();
  await page.getByTestId('segment-1').click();
  await expect(body()).toHaveAttribute('data-active-segment', '1');
  const lesionVoxels = Number(
    await page.getByTestId('segment-volume-2').getAttribute('data-voxels'),
  );
  // wider than the lesion: it paints new voxels around it, never the lesion's
  await drag('axial', [0.38, 0.3], [0.62, 0.3], 6);
  await page.waitForTimeout(400);
  expect(Number(await page.getByTestId('segment-volume-2').getAttribute('data-voxels'))).toBe(
    lesionVoxels,
  );
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await labelState()).hash).toBe(withLesion.hash);

  // Hide: the lesion's pixels leave the axial view; show brings them back.
  const shown = await shoot('edit-5-segments');
  await page.getByTestId('segment-visible-2').click();
  const hidden = await shoot('edit-6-hidden');
  expect(
    changedPixels(shown.axial, hidden.axial),
    'the hidden segment left the view',
  ).toBeGreaterThan(50);
  await page.getByTestId('segment-visible-2').click();

  // Delete clears its voxels as one edit; undo brings them back.
  await page.getByTestId('segment-delete-2').click();
  await expect(page.getByTestId('segment-2')).toHaveCount(0);
  await expect.poll(async () => (await labelState()).voxels).toBeLessThan(withLesion.voxels);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await labelState()).hash).toBe(withLesion.hash);
  await expect(page.getByTestId('segment-name-2'), 'undo brings the row back').toHaveValue(
    'Lesion',
  );
});

test('interpolation fills the slices between two edited slices', async () => {
  await page.getByTestId('tool-brush').click();
  const b = await box('axial');
  await page.mouse.move(b.x + b.width * 0.62, b.y + b.height * 0.62);
  const start = await labelState();
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * 0.66, b.y + b.height * 0.62, { steps: 2 });
  await page.mouse.up();
  // Four slices further, the same spot again.
  for (let notch = 0; notch < 4; notch++) await page.mouse.wheel(0, 100);
  await page.waitForTimeout(300);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * 0.66, b.y + b.height * 0.62, { steps: 2 });
  await page.mouse.up();
  const two = await labelState();
  expect(two.voxels).toBeGreaterThan(start.voxels);
  await page.keyboard.press('i');
  await expect.poll(async () => (await labelState()).voxels).toBeGreaterThan(two.voxels);
  expect(Number(await body().getAttribute('data-interpolated'))).toBeGreaterThan(0);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await labelState()).hash).toBe(two.hash);
  await page.keyboard.press('Control+y');
  await page.getByTestId('reset').click();
});

test('presets, layouts, orientation markers, overlay text and the help panel', async () => {
  await expect(page.getByTestId('orientation-axial').locator('[data-side="top"]')).toHaveText('A');
  await expect(page.getByTestId('orientation-axial').locator('[data-side="right"]')).toHaveText(
    'L',
  );
  await expect(page.getByTestId('orientation-coronal').locator('[data-side="top"]')).toHaveText(
    'S',
  );
  await expect(page.getByTestId('orientation-sagittal').locator('[data-side="right"]')).toHaveText(
    'P',
  );
  await expect(page.getByTestId('overlay-axial')).toContainText('Slice');
  await page.getByTestId('preset-brain').click();
  await expect(page.getByTestId('overlay-wl-axial')).toHaveText('W 80 L 40');
  await page.keyboard.press('5');
  await expect(page.getByTestId('overlay-wl-axial')).not.toHaveText('W 80 L 40');

  await page.getByTestId('layout-1x1').click();
  await expect(view('coronal')).toBeHidden();
  await expect(view('axial')).toBeVisible();
  await page.getByTestId('layout-2x2').click();
  await expect(page.getByTestId('viewport-volume3d')).toBeVisible();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SCREENSHOTS, 'layout-2x2.png') });
  await page.getByTestId('layout-1x3').click();
  await expect(page.getByTestId('viewport-volume3d')).toBeHidden();

  // The AI panel shows the picked model's card; the status bar the jobs and memory.
  await expect(page.getByTestId('model-card')).toContainText('classes:');
  await expect(page.getByTestId('segment')).toBeEnabled();
  await expect(page.getByTestId('jobs-status')).toHaveText('Jobs: none');
  await expect(page.getByTestId('memory-status')).toContainText(/Memory: Volumes [\d.]+ [KM]i?B/);

  await page.keyboard.press('?');
  await expect(page.getByTestId('help-panel')).toBeVisible();
  await expect(page.getByTestId('help-table')).toContainText('Undo');
  await page.screenshot({ path: join(SCREENSHOTS, 'help.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help-panel')).toBeHidden();
});

test('the threshold brush paints only voxels inside its intensity range', async () => {
  await page.getByTestId('add-segment').click();
  const index = Number(await body().getAttribute('data-active-segment'));
  const [lower, upper] = [70, 100];
  await page.getByTestId('threshold-lower').fill(String(lower));
  await page.getByTestId('threshold-lower').press('Enter');
  await page.getByTestId('threshold-upper').fill(String(upper));
  await page.getByTestId('threshold-upper').press('Enter');
  await page.getByTestId('tool-thresholdBrush').click();
  await expect(body()).toHaveAttribute('data-active-tool', 'thresholdBrush');
  await page.getByTestId('brush-size').fill('14');
  await drag('axial', [0.35, 0.4], [0.65, 0.45], 8);
  await expect(body()).toHaveAttribute('data-save-state', 'saved', { timeout: 20_000 });
  await shoot('edit-7-threshold');

  // What the core saved, voxel by voxel, against the volume's own values.
  const check = await page.evaluate(
    async ({ index, lower, upper }) => {
      const { volumeId, activeSegmentation } = document.body.dataset;
      const get = async (path: string) => {
        const response = await fetch(path);
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.arrayBuffer();
      };
      const voxels = new Int16Array(await get(`/voxels/volume/${volumeId}`));
      const labels = new Uint8Array(await get(`/voxels/labelmap/edit-${activeSegmentation}`));
      let painted = 0;
      let outside = 0;
      let slice = -1;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] !== index) continue;
        painted++;
        const value = voxels[i] ?? 0;
        if (value < lower || value > upper) outside++;
        slice = i;
      }
      return { painted, outside, voxels: voxels.length, labels: labels.length, slice };
    },
    { index, lower, upper },
  );
  expect(check.labels).toBe(check.voxels);
  expect(check.painted, 'the threshold brush painted').toBeGreaterThan(20);
  expect(check.outside, 'painted voxels outside the range').toBe(0);
  // The plain brush of that size paints a full disc: the threshold left part of it out.
  const plainDisc = Math.PI * 7 * 7;
  expect(check.painted).toBeLessThan(plainDisc * 30);
});

test('Export downloads the active segmentation as edited', async () => {
  const path = join(hostEnv().exportDir, 'edited.nii.gz');
  const state = await labelState();
  await downloadExport(page, 'edited.nii.gz', path);
  const script =
    'import sys, numpy as np, nibabel as nib; print(int(np.count_nonzero(np.asarray(nib.load(sys.argv[1]).dataobj))))';
  const nonzero = Number(
    execFileSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' }),
  );
  expect(nonzero, 'labelled voxels in the file').toBe(state.voxels);
});

test('training from the panel: a base model that cannot train fails with its cause named', async () => {
  await openTab(page, 'Training');
  await page.getByTestId('train-epochs').fill('1');
  await page.getByTestId('train-steps').fill('1');
  await page.getByTestId('train-start').click();
  await expect(body()).toHaveAttribute('data-training-state', /done|failed|cancelled/, {
    timeout: 60_000,
  });
  const state = await body().getAttribute('data-training-state');
  const banner = (await page.getByRole('alert').isVisible())
    ? ((await page.getByTestId('error-message').textContent()) ?? '')
    : '';
  console.log(`training ended ${state}: ${banner}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'training-failed.png') });
  expect(state).toBe('failed');
  expect(banner).toMatch(/^Training failed: .{10,}/);
  // the UI stays usable
  await page.getByTestId('error-dismiss').click();
  await expect(page.getByTestId('train-start')).toBeEnabled();
  await expect(page.getByTestId('segment')).toBeEnabled();
  pageErrors.splice(
    0,
    pageErrors.length,
    ...pageErrors.filter((e) => !e.startsWith('Training failed')),
  );
});

test('autosave: reloading the page brings the segmentation back exactly', async () => {
  await expect(body()).toHaveAttribute('data-save-state', 'saved', { timeout: 20_000 });
  const before = await labelState();
  const name = await page.getByTestId('segment-name-2').inputValue();
  const id = await body().getAttribute('data-active-segmentation');
  expect(before.voxels).toBeGreaterThan(0);
  await page.reload();
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(body()).toHaveAttribute('data-active-segmentation', id ?? '');
  expect(await labelState()).toEqual(before);
  await expect(page.getByTestId('segment-name-2')).toHaveValue(name);
  await expect(page.getByTestId('save-status')).toContainText('Restored');
  await shoot('edit-8-reloaded');

  // Delete removes it from disk too: the next visit starts empty.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('delete-segmentation').click();
  await expect(body()).not.toHaveAttribute('data-active-segmentation', id ?? '');
  const left = await page.evaluate(async () => {
    const socket = new WebSocket(`ws://${location.host}/api`);
    await new Promise((resolve) => (socket.onopen = resolve));
    const list = await new Promise<unknown>((resolve) => {
      socket.onmessage = (message) => resolve(JSON.parse(String(message.data)));
      socket.send(JSON.stringify({ id: 1, command: 'listSeries', params: {} }));
    });
    const series = (list as { result: { seriesId: string }[] }).result[0]?.seriesId;
    const saved = await new Promise<unknown>((resolve) => {
      socket.onmessage = (message) => resolve(JSON.parse(String(message.data)));
      socket.send(
        JSON.stringify({ id: 2, command: 'listSegmentations', params: { seriesId: series } }),
      );
    });
    socket.close();
    return (saved as { result: unknown[] }).result.length;
  });
  expect(left, 'saved segmentations left after delete').toBe(0);
});

test('the editing page logged no errors', async () => {
  expect(pageErrors).toEqual([]);
});
