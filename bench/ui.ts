// `npm run bench -- ui [nifti]`: the workstation page in headless Chromium on a long series (Debian
// mricron-data's ch2better, 301x370x316, written as DICOM by scripts/make-sample.ts at full
// resolution), timing what a reader feels: first frame in the three views, a window/level drag
// step, and one brush drag step (mouse move to the axial view's next render). Needs a built
// renderer (npm run build:renderer) and /usr/bin/chromium.
// The bare page (renderer/bench/bare.html, built with the renderer) shows the same volume with
// Cornerstone3D alone, in the same run. Not done yet: a 500-slice series (no such data here).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '@playwright/test';

const source = process.argv[2] ?? '/usr/share/mricron/templates/ch2better.nii.gz';
const series = join('.tmp', 'bench-ui-series');
if (!existsSync(series)) {
  const made = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-sample.ts', source, series, '1'],
    {
      stdio: 'inherit',
    },
  );
  if (made.status !== 0) process.exit(made.status ?? 1);
}
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ui-'));
const host = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'src/host/main.ts',
    '--port',
    '0',
    '--sample',
    series,
    '--data-dir',
    dataDir,
    '--models',
    'test/fixtures/models',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: host.stdout }).on('line', (line) => {
    const match = /^Workstation ready at (\S+)$/.exec(line.trim());
    if (match?.[1]) resolve(match[1]);
  });
  host.once('exit', (code) => reject(new Error(`the host exited (${code})`)));
});

/** The browser globals the page functions below use (this file is type-checked for Node). */
interface PageGlobals {
  document: {
    querySelector(selector: string): {
      textContent: string | null;
      addEventListener(type: string, listener: () => void): void;
    } | null;
  };
  renders: Record<string, number[]>;
  t0: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
interface Timings {
  firstFrame: number;
  windowStep: number;
  brushStep: number;
  brushMax: number;
}

/** Opens a page of the host in a fresh context and times first frame, window/level and brush. */
async function measure(path: string, app: boolean): Promise<Timings> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 640 } });
  const page = await context.newPage();
  const target = new URL(path, url);
  target.searchParams.set('token', new URL(url).searchParams.get('token') ?? '');
  const started = Date.now();
  await page.goto(target.href);
  await page.waitForSelector('body[data-first-frame="true"]', { timeout: 300_000 });
  const firstFrame = Date.now() - started;
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });

  // Each step: a mouse move, then the view's next IMAGE_RENDERED, timed inside the page.
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.renders = {};
    for (const id of ['axial', 'coronal']) {
      w.renders[id] = [];
      w.document
        .querySelector(`[data-testid="viewport-${id}"]`)
        ?.addEventListener('CORNERSTONE_IMAGE_RENDERED', () =>
          w.renders[id]?.push(performance.now()),
        );
    }
  });
  const step = async (id: string, x: number, y: number): Promise<number> => {
    const before = await page.evaluate((v) => {
      const w = globalThis as unknown as PageGlobals;
      w.t0 = performance.now();
      return w.renders[v]?.length ?? 0;
    }, id);
    await page.mouse.move(x, y);
    await page.waitForFunction(
      ({ v, n }) => ((globalThis as unknown as PageGlobals).renders[v]?.length ?? 0) > n,
      { v: id, n: before },
      { timeout: 10_000 },
    );
    return page.evaluate((v) => {
      const w = globalThis as unknown as PageGlobals;
      return (w.renders[v]?.at(-1) ?? NaN) - w.t0;
    }, id);
  };
  const box = async (id: string) => {
    const b = await page.getByTestId(`viewport-${id}`).boundingBox();
    if (!b) throw new Error(`no ${id} view`);
    return b;
  };

  const coronal = await box('coronal');
  await page.mouse.move(coronal.x + coronal.width * 0.3, coronal.y + coronal.height * 0.3);
  await page.mouse.down({ button: 'right' });
  const windowSteps: number[] = [];
  for (let i = 1; i <= 10; i++) {
    windowSteps.push(
      await step(
        'coronal',
        coronal.x + coronal.width * 0.3 + i * 8,
        coronal.y + coronal.height * 0.3 + i * 4,
      ),
    );
  }
  await page.mouse.up({ button: 'right' });

  if (app) await page.getByTestId('tool-brush').click();
  const axial = await box('axial');
  await page.mouse.move(axial.x + axial.width * 0.3, axial.y + axial.height * 0.5);
  await page.mouse.down();
  const brushSteps: number[] = [];
  for (let i = 1; i <= 15; i++) {
    brushSteps.push(
      await step('axial', axial.x + axial.width * (0.3 + i * 0.02), axial.y + axial.height * 0.5),
    );
  }
  await page.mouse.up();
  await context.close();
  return {
    firstFrame,
    windowStep: median(windowSteps),
    brushStep: median(brushSteps),
    brushMax: Math.max(...brushSteps),
  };
}

try {
  // bare first, then the app, then bare again: the order's warm-up shows in the spread
  const bare1 = await measure('bench/bare.html', false);
  const app = await measure('index.html', true);
  const bare2 = await measure('bench/bare.html', false);
  const bare: Timings = {
    firstFrame: Math.min(bare1.firstFrame, bare2.firstFrame),
    windowStep: Math.min(bare1.windowStep, bare2.windowStep),
    brushStep: Math.min(bare1.brushStep, bare2.brushStep),
    brushMax: Math.min(bare1.brushMax, bare2.brushMax),
  };
  const row = (name: string, key: keyof Timings) =>
    `${name.padEnd(34)} ${app[key].toFixed(1).padStart(8)} ms ${bare[key].toFixed(1).padStart(8)} ms ${(app[key] / bare[key]).toFixed(2).padStart(6)}x`;
  console.log(`series: ${series} (316 slices of 301x370)`);
  console.log(`${''.padEnd(34)} ${'app'.padStart(11)} ${'bare'.padStart(11)}  ratio`);
  console.log(row('first frame in three views', 'firstFrame'));
  console.log(row('window/level drag step (median)', 'windowStep'));
  console.log(row('brush drag step (median)', 'brushStep'));
  console.log(row('brush drag step (max)', 'brushMax'));
  console.log(`bare runs: ${JSON.stringify(bare1)} ${JSON.stringify(bare2)}`);
} finally {
  await browser.close();
  host.kill('SIGTERM');
  await new Promise((resolve) => host.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
