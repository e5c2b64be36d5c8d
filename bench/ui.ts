// `npm run bench -- ui [316|500|oblique]`: the workstation page in headless Chromium on long series,
// timing what a reader feels: first frame in the three views, a window/level drag step, and one
// brush drag step (mouse move to the axial view's next render). Two series, each written as DICOM
// by scripts/make-sample.ts at full resolution: Debian mricron-data's ch2better (301x370x316),
// and the same head resampled (linear, nibabel) to 500 slices of 0.316 mm; by default the 316-slice
// one and an oblique MR (ch2bet at 1 mm, rotated about two axes). App and bare page get the same
// number of page loads (BENCH_UI_RUNS, default 5: a first frame varies by 5-10% from one load to
// the next on 2 cores), alternated, and medians. Needs a built renderer (npm run build:renderer),
// /usr/bin/chromium and /usr/bin/python3 with nibabel.
// The bare page (renderer/bench/bare.html, built with the renderer) shows the same volume with
// Cornerstone3D alone, in the same run. For the first frame it also prints where the time goes
// (the api calls and the voxel fetch as the page saw them), for the app and the bare page.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Page } from '@playwright/test';
import { brainVoxels, ORIENTATIONS, writeSeries } from '../test/helpers/dicomSeries';

const TEMPLATE = '/usr/share/mricron/templates/ch2better.nii.gz';
const RESAMPLE = `
import sys, numpy as np, nibabel as nib
src, out, slices = sys.argv[1], sys.argv[2], int(sys.argv[3])
img = nib.load(src)
data = np.asarray(img.dataobj).astype(np.float32)
z = np.linspace(0, data.shape[2] - 1, slices)
lo = np.floor(z).astype(int); hi = np.minimum(lo + 1, data.shape[2] - 1); t = z - lo
res = np.rint(data[:, :, lo] * (1 - t) + data[:, :, hi] * t).astype(np.uint8)
affine = img.affine.copy(); affine[:3, 2] *= (data.shape[2] - 1) / (slices - 1)
nib.save(nib.Nifti1Image(res, affine), out)
`;

/** The DICOM series of `slices` slices (316: the template as it is), made once under .tmp. */
function series(slices: number): string {
  const dir = join('.tmp', `bench-ui-series-${slices}`);
  if (existsSync(dir)) return dir;
  mkdirSync('.tmp', { recursive: true });
  let source = TEMPLATE;
  if (slices !== 316) {
    source = join('.tmp', `ch2better-${slices}.nii.gz`);
    const made = spawnSync('/usr/bin/python3', ['-c', RESAMPLE, TEMPLATE, source, String(slices)], {
      stdio: 'inherit',
    });
    if (made.status !== 0) throw new Error(`could not resample the template to ${slices} slices`);
  }
  const made = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-sample.ts', source, dir, '1'],
    { stdio: 'inherit' },
  );
  if (made.status !== 0) throw new Error(`could not write the ${slices}-slice series`);
  return dir;
}

/**
 * An oblique MR series (rotated about two axes, no direction along a patient axis): Debian
 * mricron-data's ch2bet at 1 mm (181x217x181), written once under .tmp.
 */
function obliqueSeries(): string {
  const dir = join('.tmp', 'bench-ui-series-oblique');
  if (existsSync(dir)) return dir;
  const brain = brainVoxels(1);
  writeSeries(dir, brain.dims, brain.voxels, ORIENTATIONS.oblique, [1, 1, 1], [-90, 110, 80]);
  return dir;
}

async function startHost(
  seriesDir: string,
): Promise<{ url: string; host: ChildProcess; dataDir: string }> {
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
      seriesDir,
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
  return { url, host, dataDir };
}

/** What the first-frame observer uses of the page (this file is type-checked for Node). */
interface FirstFrameGlobals {
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: Record<string, unknown>): void;
  };
  document: { body: { dataset: Record<string, string | undefined> } | null };
  performance: { now(): number };
  firstFrameAt?: number;
  /** share of lit pixels in each Cornerstone canvas at that moment (-1: not a 2D canvas) */
  firstFrameLit?: number[];
}

/** The canvases of the views, read in the page (this file is type-checked for Node). */
interface ViewCanvas {
  width: number;
  height: number;
  getContext(type: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

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
interface Timings {
  firstFrame: number;
  /** share of lit pixels in each view's canvas at the first frame */
  firstFrameLit: number[];
  /** what happened before the first frame: [what, ms from navigation] */
  steps: [string, number][];
  windowStep: number;
  brushStep: number;
  brushMax: number;
}

/** Opens a page of the host in a fresh context and times first frame, window/level and brush. */
async function measure(url: string, path: string, app: boolean): Promise<Timings> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 640 } });
  const page = await context.newPage();
  const target = new URL(path, url);
  target.searchParams.set('token', new URL(url).searchParams.get('token') ?? '');
  const timeline = recordTimeline(page);
  // The moment the page says its three views are on screen, by the page's own clock (from the
  // navigation): polling from here would add whatever the page does next to it.
  await page.addInitScript(() => {
    const w = globalThis as unknown as FirstFrameGlobals;
    new w.MutationObserver(() => {
      if (w.document.body?.dataset.firstFrame === 'true' && w.firstFrameAt === undefined) {
        w.firstFrameAt = w.performance.now();
        // After the clock is read: what the views show then. A first frame must show the image
        // (a view drawn before its texture is on the GPU is black), on both pages alike.
        const all = (
          w.document as unknown as { querySelectorAll(s: string): ArrayLike<ViewCanvas> }
        ).querySelectorAll('canvas.cornerstone-canvas');
        w.firstFrameLit = Array.from(all).map((canvas) => {
          const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height);
          if (!pixels) return -1;
          let lit = 0;
          for (let i = 0; i < pixels.data.length; i += 4)
            if ((pixels.data[i] ?? 0) + (pixels.data[i + 1] ?? 0) + (pixels.data[i + 2] ?? 0) > 30)
              lit++;
          return lit / (pixels.data.length / 4);
        });
      }
    }).observe(w.document, {
      attributes: true,
      subtree: true,
      attributeFilter: ['data-first-frame'],
    });
  });
  const started = Date.now();
  await page.goto(target.href);
  await page.waitForSelector('body[data-first-frame="true"]', { timeout: 300_000 });
  const { firstFrame, firstFrameLit } = await page.evaluate(() => {
    const w = globalThis as unknown as FirstFrameGlobals;
    return { firstFrame: Math.round(w.firstFrameAt ?? NaN), firstFrameLit: w.firstFrameLit ?? [] };
  });
  const steps = await timeline(started);
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
    firstFrameLit,
    steps,
    windowStep: median(windowSteps),
    brushStep: median(brushSteps),
    brushMax: Math.max(...brushSteps),
  };
}

/**
 * Listens to the page's api traffic; the returned function gives the moments (ms from the
 * navigation) at which each command was answered and the voxels arrived, and the page's marks.
 */
function recordTimeline(page: Page): (started: number) => Promise<[string, number][]> {
  const events: [string, number][] = [];
  const sentAt = new Map<number, string>();
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { id?: number; command?: string };
      if (message.command && message.id !== undefined) {
        sentAt.set(message.id, message.command);
        events.push([`${message.command} sent`, Date.now()]);
      }
    });
    socket.on('framereceived', ({ payload }) => {
      const text = String(payload);
      const match = /"id":(\d+)/.exec(text.slice(0, 200));
      const command = match ? sentAt.get(Number(match[1])) : undefined;
      if (command && text.includes('"kind":"response"'))
        events.push([`${command} answered`, Date.now()]);
    });
  });
  page.on('requestfinished', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/voxels/')) events.push([`voxels fetched`, Date.now()]);
  });
  return async (started) => {
    const scripts = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\.(js|css)$/.test(e.name))
        .reduce(
          (end, e) => Math.max(end, (e as unknown as { responseEnd: number }).responseEnd),
          0,
        ),
    );
    // the page's own marks (both pages mark when their code has run): by the page's clock
    const marks = await page.evaluate(() =>
      performance
        .getEntriesByType('mark')
        .map((m) => [m.name, Math.round(m.startTime)] as [string, number]),
    );
    return [
      ['scripts and styles loaded', Math.round(scripts)] as [string, number],
      ...marks,
      ...events.map(([what, at]) => [what, at - started] as [string, number]),
    ].sort((a, b) => a[1] - b[1]);
  };
}

/** Page loads each of the app and the bare page gets, alternated (bare, app, bare, app, ...). */
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 5);
const cases: { name: string; dir: () => string }[] = (
  process.argv[2] ? [process.argv[2]] : ['316', 'oblique']
).map((which) =>
  which === 'oblique'
    ? { name: 'oblique MR: ch2bet 181x217x181 at 1 mm, rotated about two axes', dir: obliqueSeries }
    : { name: `${which} slices of 301x370`, dir: () => series(Number(which)) },
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
});
try {
  for (const one of cases) {
    const { url, host, dataDir } = await startHost(one.dir());
    try {
      // the same number of page loads for each, alternated so that warm-up and drift fall on both
      const apps: Timings[] = [];
      const bares: Timings[] = [];
      for (let run = 0; run < RUNS; run++) {
        bares.push(await measure(url, 'bench/bare.html', false));
        apps.push(await measure(url, 'index.html', true));
      }
      const summary = (all: Timings[]): Timings => {
        const byFirstFrame = [...all].sort((a, b) => a.firstFrame - b.firstFrame);
        const middle = byFirstFrame[Math.floor(all.length / 2)] ?? all[0];
        return {
          firstFrame: median(all.map((t) => t.firstFrame)),
          firstFrameLit: middle?.firstFrameLit ?? [],
          steps: middle?.steps ?? [],
          windowStep: median(all.map((t) => t.windowStep)),
          brushStep: median(all.map((t) => t.brushStep)),
          brushMax: median(all.map((t) => t.brushMax)),
        };
      };
      const app = summary(apps);
      const bare = summary(bares);
      const row = (name: string, key: Exclude<keyof Timings, 'steps' | 'firstFrameLit'>) =>
        `${name.padEnd(34)} ${app[key].toFixed(1).padStart(8)} ms ${bare[key].toFixed(1).padStart(8)} ms ${(app[key] / bare[key]).toFixed(2).padStart(6)}x`;
      console.log(`\nseries: ${one.name}; medians of ${RUNS} page loads each, alternated`);
      console.log(`${''.padEnd(34)} ${'app'.padStart(11)} ${'bare'.padStart(11)}  ratio`);
      console.log(row('first frame in three views', 'firstFrame'));
      console.log(row('window/level drag step (median)', 'windowStep'));
      console.log(row('brush drag step (median)', 'brushStep'));
      console.log(row('brush drag step (max)', 'brushMax'));
      const show = (steps: [string, number][]) => steps.map(([w, t]) => `${t} ms ${w}`).join('; ');
      console.log(`before the first frame, app: ${show(app.steps)}`);
      console.log(`before the first frame, bare: ${show(bare.steps)}`);
      const each = (all: Timings[], key: 'firstFrame' | 'brushStep') =>
        all.map((t) => t[key].toFixed(0)).join(', ');
      console.log(
        `each load, first frame: app ${each(apps, 'firstFrame')}; bare ${each(bares, 'firstFrame')} ms`,
      );
      console.log(
        `each load, brush step: app ${each(apps, 'brushStep')}; bare ${each(bares, 'brushStep')} ms`,
      );
      const lit = (all: Timings[]) =>
        all
          .map((t) => t.firstFrameLit.map((share) => `${(share * 100).toFixed(0)}%`).join('/'))
          .join(', ');
      console.log(
        `each load, lit pixels of each view at the first frame: app ${lit(apps)}; bare ${lit(bares)}`,
      );
    } finally {
      host.kill('SIGTERM');
      await new Promise((resolve) => host.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
