import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { decodePng, type Rgba } from './png';

export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
export const PLANES = ['axial', 'coronal', 'sagittal'] as const;
export type PlaneId = (typeof PLANES)[number];
/** The bundled sample: columns, rows, slices and spacing (mm) */
export const SAMPLE_DIMS = [90, 108, 90] as const;
export const SAMPLE_SPACING_MM = 2;

/** What a person does and sees on the workstation page, for the specs that drive it. */
export class WorkstationPage {
  constructor(readonly page: Page) {}

  view(id: PlaneId | 'volume3d'): Locator {
    return this.page.getByTestId(`viewport-${id}`);
  }

  body(): Locator {
    return this.page.locator('body');
  }

  async box(id: PlaneId | 'volume3d') {
    const found = await this.view(id).boundingBox();
    if (!found) throw new Error(`the ${id} view has no box`);
    return found;
  }

  /** The page and each view as PNG files (looked at by the author) and decoded pixels. */
  async shoot(name: string): Promise<Record<PlaneId, Rgba>> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.mouse.move(2, 2);
    await this.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
    const images = {} as Record<PlaneId, Rgba>;
    for (const id of PLANES) {
      const png = await this.view(id).screenshot();
      writeFileSync(join(SCREENSHOTS, `${name}-${id}.png`), png);
      images[id] = decodePng(png);
    }
    return images;
  }

  async shootView(id: PlaneId | 'volume3d', name: string): Promise<Rgba> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const png = await this.view(id).screenshot();
    writeFileSync(join(SCREENSHOTS, `${name}.png`), png);
    return decodePng(png);
  }

  /** A left-button drag across a view, in fractions of its box, in a few steps as a hand would. */
  async drag(id: PlaneId, from: [number, number], to: [number, number], steps = 8): Promise<void> {
    const b = await this.box(id);
    await this.page.mouse.move(b.x + b.width * from[0], b.y + b.height * from[1]);
    await this.page.mouse.down();
    await this.page.mouse.move(b.x + b.width * to[0], b.y + b.height * to[1], { steps });
    await this.page.mouse.up();
  }

  async click(id: PlaneId, at: [number, number]): Promise<void> {
    const b = await this.box(id);
    await this.page.mouse.click(b.x + b.width * at[0], b.y + b.height * at[1]);
  }

  /** Wheel notches over a view: each one slice. */
  async scroll(id: PlaneId, notches: number): Promise<void> {
    const b = await this.box(id);
    await this.page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.5);
    for (let n = 0; n < Math.abs(notches); n++)
      await this.page.mouse.wheel(0, 100 * Math.sign(notches));
    await this.page.waitForTimeout(300);
  }

  /** The labelled voxel count and hash once the segments panel has caught up with the edits. */
  async labelState(): Promise<{ voxels: number; hash: string }> {
    const read = async () => ({
      voxels: Number(await this.body().getAttribute('data-segment-voxels')),
      hash: (await this.body().getAttribute('data-segment-hash')) ?? '',
    });
    await this.page.waitForTimeout(500);
    let last = await read();
    for (let tries = 0; tries < 20; tries++) {
      await this.page.waitForTimeout(400);
      const now = await read();
      if (now.hash === last.hash) return now;
      last = now;
    }
    return last;
  }

  /**
   * Runs `analyse` in the page over the volume's voxels and the active segmentation's labels as
   * autosave wrote them to the core, once that save holds what the page shows (same hash).
   */
  async analyseSaved<A, R>(
    analyse: (voxels: Int16Array, labels: Uint8Array, args: A) => R,
    args: A,
  ): Promise<R> {
    const state = await this.labelState();
    for (let tries = 0; tries < 60; tries++) {
      const saved = await this.page.evaluate(async () => {
        if (document.body.dataset.saveState !== 'saved') return '';
        const { activeSegmentation } = document.body.dataset;
        const response = await fetch(`/voxels/labelmap/edit-${activeSegmentation}`);
        if (!response.ok) return '';
        const labels = new Uint8Array(await response.arrayBuffer());
        let hash = 0x811c9dc5;
        for (let i = 0; i < labels.length; i++) {
          hash ^= labels[i] ?? 0;
          hash = Math.imul(hash, 0x01000193);
        }
        return (hash >>> 0).toString(16).padStart(8, '0');
      });
      if (saved === state.hash) break;
      await this.page.waitForTimeout(500);
    }
    await this.page.evaluate(async () => {
      const { volumeId, activeSegmentation } = document.body.dataset;
      const get = async (path: string) => {
        const response = await fetch(path);
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.arrayBuffer();
      };
      const held = globalThis as unknown as Record<string, unknown>;
      held.__voxels = new Int16Array(await get(`/voxels/volume/${volumeId}`));
      held.__labels = new Uint8Array(await get(`/voxels/labelmap/edit-${activeSegmentation}`));
    });
    // the analysis runs in the page, next to the data (DevTools evaluation, not the page's eval)
    return (await this.page.evaluate(
      `(${analyse.toString()})(globalThis.__voxels, globalThis.__labels, ${JSON.stringify(args)})`,
    )) as R;
  }
}

/** Opens a tab of the right-hand panel (Segmentation, AI, Training, Export, PACS), as a click. */
export async function openTab(page: Page, name: string): Promise<void> {
  const tab = page.getByRole('tab', { name, exact: true });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/**
 * Export from the browser as a person does it: the Export tab, a file name, Download; the
 * browser's download of the file itself is saved as `saveAs` (its label tables are not kept).
 */
export async function downloadExport(page: Page, fileName: string, saveAs: string): Promise<void> {
  await openTab(page, 'Export');
  await page.getByTestId('export-path').fill(fileName);
  const download = page.waitForEvent('download', (d) => d.suggestedFilename() === fileName);
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-result')).toContainText(`Downloaded ${fileName}`);
  await (await download).saveAs(saveAs);
}
