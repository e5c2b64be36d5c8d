import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { orthancUnavailable } from '../test/helpers/orthancAvailable';
import { downloadExport, openTab } from './support/workstationPage';

// The search-retrieve-send round trip through the UI against a real Orthanc with authentication.
// Orthanc listens on every interface, so it runs in a network namespace holding only loopback,
// with the workstation host beside it (test/helpers/pacsE2eStack.ts); the browser is started inside
// that namespace too (nsenter), so nothing here is reachable from outside the machine's kernel.
const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const unavailable = orthancUnavailable();

test.describe.configure({ mode: 'serial' });
test.skip(unavailable !== undefined, `skipped: ${unavailable}`);

let stack: ChildProcessWithoutNullStreams;
let lines: Interface;
let ready: { url: string; dicomWeb: string };
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** The next stdout line of the stack that starts with `prefix`, parsed. */
function nextLine<T>(prefix: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${prefix}" line in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onLine = (line: string) => {
      if (!line.startsWith(`${prefix} `)) return;
      clearTimeout(timer);
      lines.off('line', onLine);
      resolve(JSON.parse(line.slice(prefix.length + 1)) as T);
    };
    lines.on('line', onLine);
  });
}

async function shoot(name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await openTab(page, 'PACS');
  await page.mouse.move(2, 2);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  await page.getByTestId('pacs-panel').screenshot({ path: join(SCREENSHOTS, `${name}-panel.png`) });
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = spawn(
    'unshare',
    [
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      '--import',
      'tsx',
      'test/helpers/pacsE2eStack.ts',
    ],
    {
      env: { ...process.env, ACSWS_LOOPBACK_NETNS: '1', ACSWS_E2E_PACS_PASSWORD: PASSWORD },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  stack.stderr.on('data', (d: Buffer) => process.stderr.write(`[pacs stack] ${d.toString()}`));
  lines = createInterface({ input: stack.stdout });
  const exited = new Promise<never>((_, reject) =>
    stack.once('exit', (code) => reject(new Error(`the PACS stack exited (${code})`))),
  );
  ready = await Promise.race([nextLine<typeof ready>('PACS-STACK'), exited]);
  // Chromium joins the stack's network namespace: 127.0.0.1 there is the host and Orthanc.
  const wrapper = join(mkdtempSync(join(tmpdir(), 'netns-chromium-')), 'chromium.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec nsenter --net=/proc/${stack.pid}/ns/net -- ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`,
    { mode: 0o755 },
  );
  browser = await chromium.launch({
    executablePath: wrapper,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(ready.url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
});

test.afterAll(async () => {
  await browser?.close();
  if (stack && stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.stdin.end();
    const killer = setTimeout(() => stack.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
});

test('a DICOMweb server is added with a password the page never sees again; a wrong one is refused', async () => {
  await openTab(page, 'PACS');
  await page.getByTestId('pacs-new').click();
  await page.getByTestId('pacs-name').fill('Test Orthanc');
  await page.getByTestId('pacs-url').fill(ready.dicomWeb);
  await page.getByTestId('pacs-auth').selectOption('basic');
  await page.getByTestId('pacs-username').fill('radiologist');
  await page.getByTestId('pacs-secret').fill('not-the-password');
  await page.getByTestId('pacs-save').click();
  await expect(page.getByTestId('pacs-status')).toContainText(
    'Saved Test Orthanc (credentials stored)',
  );
  await page.getByTestId('pacs-test').click();
  const banner = page.getByRole('alert');
  await expect(banner).toContainText(/Test connection: .*refused the credentials \(401\)/);
  await page.getByTestId('error-dismiss').click();

  await page.getByTestId('pacs-edit').click();
  await expect(page.getByTestId('pacs-secret')).toHaveValue('');
  await expect(page.getByTestId('pacs-secret')).toHaveAttribute('placeholder', /stored/);
  await page.getByTestId('pacs-secret').fill(PASSWORD);
  await page.getByTestId('pacs-save').click();
  await page.getByTestId('pacs-test').click();
  await expect(page.getByTestId('pacs-status')).toContainText(/Test Orthanc answers \(\d+ ms\)/);
  await expect(banner).toBeHidden();
  expect(await page.content()).not.toContain(PASSWORD);
  await shoot('pacs-1-server');
});

test('search finds the study, its series retrieves into the library with progress', async () => {
  await page.getByTestId('pacs-patient-name').fill('colin');
  await page.getByTestId('pacs-modality').fill('MR');
  await page.getByTestId('pacs-search').click();
  await expect(page.getByTestId('pacs-status')).toHaveText('1 study found');
  const study = page.getByTestId('pacs-study');
  await expect(study).toContainText('Sample Colin27');
  await expect(study).toContainText('2026-11-01');
  await study.click();
  const series = page.getByTestId('pacs-series');
  await expect(series).toContainText('T1 brain (skull-stripped) 2 mm (90 images)');
  await series.getByTestId('pacs-retrieve').click();
  await expect(page.locator('body')).toHaveAttribute('data-pacs-job', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('pacs-progress-text')).toHaveText('In the library: 90 images');
  const seriesUid = await series.getAttribute('data-series-uid');
  stack.stdin.write('library\n');
  const stored = await nextLine<{ seriesId: string; dimensions: number[] }[]>('LIBRARY');
  expect(stored).toEqual([{ seriesId: seriesUid, dimensions: [90, 108, 90] }]);
  await expect(page.getByTestId('pacs-progress-text')).toHaveAttribute(
    'data-series-ids',
    seriesUid ?? '',
  );
  await shoot('pacs-2-retrieved');
});

test('a painted segmentation goes back as a DICOM SEG that QIDO finds and dciodvfy passes', async () => {
  const axial = page.getByTestId('viewport-axial');
  await openTab(page, 'Segmentation');
  await page.getByTestId('tool-brush').click();
  await page.getByTestId('brush-size').fill('10');
  const b = await axial.boundingBox();
  if (!b) throw new Error('no axial view');
  await page.mouse.move(b.x + b.width * 0.4, b.y + b.height * 0.45);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width * 0.6, b.y + b.height * 0.55, { steps: 8 });
  await page.mouse.up();
  await expect
    .poll(async () => Number(await page.locator('body').getAttribute('data-segment-voxels')))
    .toBeGreaterThan(50);
  await openTab(page, 'Export');
  await page.getByTestId('segment-kind-1').selectOption('lesion');
  await openTab(page, 'PACS');
  await page.getByTestId('pacs-send').click();
  await expect(page.getByTestId('pacs-send-status')).toHaveText('Sent to Test Orthanc');
  await shoot('pacs-3-sent');

  const studyUid = (await page.getByTestId('pacs-study').getAttribute('data-study-uid')) ?? '';
  stack.stdin.write(`find-seg ${studyUid}\n`);
  const seg = await nextLine<{
    found: number;
    seriesUid: string;
    description: string;
    dciodvfyErrors: string[];
    segments: string[][];
    labelledVoxels: number;
  }>('SEG');
  expect(seg.found).toBe(1);
  expect(seg.seriesUid).toBe(
    await page.getByTestId('pacs-send-status').getAttribute('data-series-uid'),
  );
  expect(seg.dciodvfyErrors).toEqual([]);
  expect(seg.segments).toEqual([['Segment 1', 'Lesion']]);
  expect(seg.labelledVoxels).toBe(
    Number(await page.locator('body').getAttribute('data-segment-voxels')),
  );
  await openTab(page, 'Export');
  await page
    .getByTestId('export-panel')
    .screenshot({ path: join(SCREENSHOTS, 'pacs-4-export-panel.png') });
});

test('the same segmentation exported as DICOM SEG comes back by upload onto the same voxels', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'pacs-e2e-export-')), 'painted.dcm');
  await openTab(page, 'Export');
  await page.getByTestId('export-format').selectOption('dicom-seg');
  await downloadExport(page, 'painted.dcm', path);
  const painted = await page.locator('body').getAttribute('data-segment-voxels');
  await page.getByTestId('import-file').setInputFiles(path);
  await expect(page.getByTestId('import-status')).toHaveText('Imported DICOM SEG: 1 segment(s)');
  await expect(page.getByTestId('segment-kind-1')).toHaveValue('lesion');
  await expect(page.locator('body')).toHaveAttribute('data-active-segmentation', /^import-/);
  await expect
    .poll(async () => page.locator('body').getAttribute('data-segment-voxels'))
    .toBe(painted);
  await shoot('pacs-5-imported');
  // the one error the page showed was the one this spec provoked: the wrong password
  expect(pageErrors.filter((e) => !/^Test connection: .*\(401\)/.test(e))).toEqual([]);
});
