import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { colinCase } from '../scripts/mricronCases';
import { storeLibraryCases } from '../test/helpers/libraryCases';
import { hostEnv } from './support/env';
import { openTab } from './support/workstationPage';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

// One page: train from the panel, run the new model, cancel and resume a training, compare.
// Tiny budgets on the tiny trainable fixture model (test/fixtures/models/tiny-2d, 5 mm).
test.describe.configure({ mode: 'serial' });

let page: Page;
const body = () => page.locator('body');

/** The page, and the panel the step is about (the side bar scrolls: the page shot cuts it). */
async function shoot(name: string, panel = 'training-panel'): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const section = page.getByTestId(panel);
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: join(SCREENSHOTS, `${name}-panel.png`) });
}

test.beforeAll(async ({ browser }) => {
  // Two annotated library cases, as the app stores them: real MR with an atlas segmentation.
  await storeLibraryCases(hostEnv().dataDir, [
    { case: colinCase('ch2bet.nii.gz', 5), description: 'Colin27 skull-stripped' },
    { case: colinCase('ch2.nii.gz', 5), description: 'Colin27 with skull' },
  ]);
  page = await browser.newPage();
  await page.goto(hostEnv().url);
  await expect(body()).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await openTab(page, 'Training');
  await page.getByTestId('train-refresh').click();
  await expect(page.getByTestId('train-cases')).toHaveAttribute('data-count', '2');
});

test.afterAll(() => page.close());

async function setBudget(epochs: number, steps: number, name: string): Promise<void> {
  await page.getByTestId('train-base').selectOption('tiny-2d');
  await page.getByTestId('train-kind').selectOption('acs');
  await page.getByTestId('train-init').selectOption('centre');
  await page.getByTestId('train-epochs').fill(String(epochs));
  await page.getByTestId('train-steps').fill(String(steps));
  await page.getByTestId('train-name').fill(name);
}

test('a short training from the panel shows progress and curves, and its model runs', async () => {
  await expect(page.getByTestId('train-cases').getByRole('checkbox')).toHaveCount(2);
  // enough steps that the progress is on screen for a few seconds
  await setBudget(2, 8, 'Panel ACS');
  await page.getByTestId('train-start').click();
  // cases by patient and series description, as the series list names them
  await expect(page.getByTestId('train-split')).toContainText(/Validate: Case \d · Colin27/);
  // It trains on ONNX Runtime's training-step graph, and both status lines say so.
  await expect(page.getByTestId('train-text')).toContainText(
    /epoch \d train \d+\/16.*ETA.*\(on onnxruntime-cpu\)/,
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('backend-status')).toContainText(
    'Engine: onnxruntime-cpu (training, inference)',
  );
  // the status bar counts the training among the jobs that run (issue 13 item 7)
  await expect(page.getByTestId('jobs-status')).toHaveText('Jobs: 1 running (training)');
  await shoot('training-running');
  await expect(body()).toHaveAttribute('data-training-state', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('jobs-status')).toHaveText('Jobs: none');
  await expect(page.getByTestId('train-chart')).toHaveAttribute('data-epochs', '2');
  await expect(page.getByTestId('train-text')).toContainText('Panel ACS is in the model list');
  await shoot('training-done');

  // The new model is in the AI panel's list: run it on the open series.
  const option = page.getByTestId('model-select').locator('option', { hasText: 'Panel ACS' });
  const modelId = await option.getAttribute('value');
  expect(modelId).toBeTruthy();
  const before = (await body().getAttribute('data-labelmap-id')) ?? 'none';
  await openTab(page, 'AI');
  await page.getByTestId('model-select').selectOption(modelId ?? '');
  await page.getByTestId('segment').click();
  await expect(body()).toHaveAttribute('data-job-state', 'done', { timeout: 120_000 });
  await expect(body()).toHaveAttribute('data-labelmap-id', /.+/);
  await openTab(page, 'Training');
  expect(await body().getAttribute('data-labelmap-id')).not.toBe(before);
  await shoot('training-model-ran');
});

test('a cancelled training is listed and resumes from its last checkpoint to the end', async () => {
  // enough epochs that the cancel lands while it runs: tiny epochs take about a second
  await setBudget(10, 3, 'Resumed ACS');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-chart')).toHaveAttribute('data-epochs', /^[1-9]$/, {
    timeout: 120_000,
  });
  await page.getByTestId('train-cancel').click();
  await expect(body()).toHaveAttribute('data-training-state', 'cancelled', { timeout: 30_000 });
  await expect(page.getByTestId('train-resumable')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('train-resumable')).toContainText(
    /Resumed ACS: \d\/10 epochs \(cancelled\)/,
  );
  await shoot('training-cancelled');

  await page.getByTestId('train-resume').click();
  await expect(page.getByTestId('train-text')).toContainText(/epoch \d+/, { timeout: 60_000 });
  await expect(body()).toHaveAttribute('data-training-state', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('train-chart')).toHaveAttribute('data-epochs', '10');
  await expect(page.getByTestId('train-resumable')).toHaveAttribute('data-count', '0');
  await shoot('training-resumed');
});

test('a tiny comparison shows its folds, its table of six configurations and their curves', async () => {
  // 6 configurations x 2 folds (each case held out once)
  test.setTimeout(600_000);
  await page.getByTestId('compare-base').selectOption('tiny-2d');
  await page.getByTestId('compare-epochs').fill('1');
  await page.getByTestId('compare-steps').fill('1');
  // one case ticked: the refusal says why in words a user reads, and nothing starts
  const boxes = page.getByTestId('train-cases').getByRole('checkbox');
  const count = await boxes.count();
  for (let n = 0; n < count; n++) await boxes.nth(n).setChecked(n === 0);
  await page.getByTestId('compare-start').click();
  await expect(page.getByTestId('compare-text')).toContainText(
    'A comparison needs at least two cases ticked in the Training panel',
  );
  await expect(page.getByTestId('compare-text')).toContainText('one is ticked');
  await expect(body()).not.toHaveAttribute('data-compare-state', 'starting');
  await expect(page.getByTestId('error-banner')).toBeHidden();
  for (let n = 0; n < count; n++) await boxes.nth(n).check();
  await page.getByTestId('compare-start').click();
  const folds = page.getByTestId('compare-folds');
  await expect(folds).toContainText('2-fold cross-validation', { timeout: 60_000 });
  for (const name of ['Colin27 skull-stripped', 'Colin27 with skull'])
    await expect(folds).toContainText(name);
  await expect(page.getByTestId('compare-text')).toContainText(/\d+\/12/, { timeout: 60_000 });
  await expect(body()).toHaveAttribute('data-compare-state', 'done', { timeout: 480_000 });
  const table = page.getByTestId('compare-table');
  await expect(table).toHaveAttribute('data-rows', '6');
  for (const name of ['2D (slice by slice)', '3D random init', '3D scaling init', 'ACS'])
    await expect(table).toContainText(name);
  await expect(table).toContainText('held-out mean IoU');
  await expect(table).toContainText('±');
  await expect(page.getByTestId('compare-chart')).toHaveAttribute('data-epochs', '1');
  await shoot('compare-done', 'compare-panel');
});

test('a case whose labels the base model lacks is named when listed, and left out', async () => {
  const boxes = page.getByTestId('train-cases').getByRole('checkbox');
  const warnings = page.getByTestId('train-cases').getByTestId('case-warning');
  await expect(boxes).toHaveCount(2);
  await page.getByTestId('train-base').selectOption('tiny-2d');
  await expect(warnings.first()).toBeHidden();
  // the threshold model knows background and brain only: label 2 "other brain" is outside it
  await page.getByTestId('train-base').selectOption('skeleton-threshold');
  await expect(warnings).toHaveText(
    Array(2).fill('label 2 "other brain": not a class of the base model (0 background, 1 brain)'),
  );
  await expect(boxes.first()).toBeDisabled();
  await expect(boxes.first()).not.toBeChecked();
  await shoot('training-out-of-class');
  // back on a model with those classes, the cases are offered (and checked) again
  await page.getByTestId('train-base').selectOption('tiny-2d');
  await expect(warnings.first()).toBeHidden();
  await expect(boxes.first()).toBeEnabled();
  await expect(boxes.first()).toBeChecked();
});
