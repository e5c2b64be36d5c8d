import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test, type Page } from '@playwright/test';
import type { BackendStatus } from '../src/api';
import { callFromPage } from './support/pageSocket';
import { openTab } from './support/workstationPage';

// Whole-volume inference through the app on the ONNX Runtime backend and on tfjs: two hosts of
// their own (the shared one runs the threshold model), each with the tiny real network of
// test/fixtures/onnx-models, one inferring with ONNX Runtime ('auto') and one forced to tfjs.
test.describe.configure({ mode: 'serial' });

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const READY = /^Workstation ready at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/;

interface Host {
  url: string;
  process: ChildProcess;
  dataDir: string;
}

function startHost(inference: string): Promise<Host> {
  const dataDir = mkdtempSync(join(tmpdir(), `workstation-e2e-${inference}-`));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/host/main.ts', '--port', '0', '--data-dir', dataDir].concat([
      '--models',
      'test/fixtures/onnx-models',
    ]),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WORKSTATION_INFERENCE_BACKEND: inference,
        WORKSTATION_TRAINING_BACKEND: inference,
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stdout = child.stdout;
  if (!stdout) throw new Error('the host has no stdout');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host (${inference}) not ready`)), 120_000);
    createInterface({ input: stdout }).on('line', (line) => {
      const match = READY.exec(line.trim());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], process: child, dataDir });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host (${inference}) exited ${code}:\n${stderr}`));
    });
  });
}

async function stopHost(host: Host | undefined): Promise<void> {
  if (!host) return;
  if (host.process.exitCode === null) {
    const exited = new Promise((resolve) => host.process.once('exit', resolve));
    host.process.kill('SIGTERM');
    const timer = setTimeout(() => host.process.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(host.dataDir, { recursive: true, force: true });
}

let onnx: Host | undefined;
let tfjs: Host | undefined;

test.beforeAll(async () => {
  [onnx, tfjs] = await Promise.all([startHost('auto'), startHost('tfjs')]);
});

test.afterAll(async () => {
  await Promise.all([stopHost(onnx), stopHost(tfjs)]);
});

/** Loads the app, clicks Segment as a user would, and returns the labelmap's digest and counts. */
async function segmentThroughTheApp(page: Page, host: Host, name: string) {
  await page.goto(host.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByRole('alert')).toBeHidden();
  const status = await callFromPage<BackendStatus>(page, 'getBackendStatus', {});
  await openTab(page, 'AI');
  await page.getByTestId('segment').click();
  const body = page.locator('body');
  await expect(body).toHaveAttribute('data-job-state', /done|failed|cancelled/, {
    timeout: 90_000,
  });
  expect(await body.getAttribute('data-job-state')).toBe('done');
  await expect(page.getByRole('alert')).toBeHidden();
  await page.screenshot({ path: join(SCREENSHOTS, `onnx-${name}.png`) });
  const labels = await page.evaluate(async () => {
    const response = await fetch(`/voxels/labelmap/${document.body.dataset.labelmapId}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const counts = [0, 0];
    for (const label of bytes) counts[label] = (counts[label] ?? 0) + 1;
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { counts, sha };
  });
  return { status, labels, line: await page.getByTestId('backend-status').textContent() };
}

test('Segment runs on ONNX Runtime and gives the labels the tfjs backend gives', async ({
  browser,
}) => {
  if (!onnx || !tfjs) throw new Error('the hosts did not start');
  const pages = await Promise.all([browser.newPage(), browser.newPage()]);
  try {
    const viaOnnx = await segmentThroughTheApp(pages[0], onnx, 'onnxruntime');
    const viaTfjs = await segmentThroughTheApp(pages[1], tfjs, 'tfjs');
    expect(viaOnnx.status.inference?.backend).toBe('onnxruntime-cpu');
    expect(viaOnnx.line).toMatch(/onnxruntime-cpu \((training, )?inference\)/);
    expect(viaTfjs.status.inference?.backend).toBe(viaTfjs.status.backend);
    expect(viaTfjs.line).not.toContain('onnxruntime-cpu');
    const [background, foreground] = viaOnnx.labels.counts;
    expect(background, 'labels not all foreground').toBeGreaterThan(0);
    expect(foreground, 'labels not all background').toBeGreaterThan(0);
    expect(viaOnnx.labels.counts).toEqual(viaTfjs.labels.counts);
    expect(viaOnnx.labels.sha, 'the same labelmap voxel for voxel').toBe(viaTfjs.labels.sha);
  } finally {
    await Promise.all(pages.map((p) => p.close()));
  }
});
