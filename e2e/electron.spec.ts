import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { openTab } from './support/workstationPage';

/** The Electron binary, or why there is none (its installer downloads it; here it cannot). */
function findElectron(): { path: string } | { why: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path !== 'string') return { why: 'the electron package gave no binary path' };
    if (!existsSync(path)) return { why: `the Electron binary ${path} is not installed` };
    return { path };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { why: `no Electron binary on this machine (require('electron'): ${message})` };
  }
}

test('the desktop app loads the sample and segments it over IPC', async () => {
  const electronBinary = findElectron();
  if ('why' in electronBinary) {
    const reason = `Electron test skipped: ${electronBinary.why}`;
    console.log(reason);
    test.skip(true, reason);
    return;
  }
  // The main process, preload and engine worker bundles (npm run test:e2e built the renderer).
  execFileSync(process.execPath, ['scripts/build-electron.mjs'], { stdio: 'inherit' });
  const app = await electron.launch({
    executablePath: electronBinary.path,
    args: ['.'],
    env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
  });
  try {
    const window = await app.firstWindow();
    const body = window.locator('body');
    await expect(body).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
    // The renderer chose the IPC transport: the preload's bridge is there.
    expect(await window.evaluate(() => 'workstationBridge' in globalThis)).toBe(true);
    await expect(window.getByTestId('backend-status')).toContainText('Engine: ');

    await openTab(window, 'AI');
    await window.getByTestId('segment').click();
    await expect(body).toHaveAttribute('data-job-state', 'done', { timeout: 90_000 });
    expect(Number(await body.getAttribute('data-labelmap-voxels'))).toBeGreaterThan(0);
    await expect(window.getByRole('alert')).toBeHidden();
    const screenshots = join(import.meta.dirname, 'screenshots');
    mkdirSync(screenshots, { recursive: true });
    await window.screenshot({ path: join(screenshots, 'electron.png') });
  } finally {
    await app.close();
  }
});
