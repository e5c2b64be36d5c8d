import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { VolumeInfo } from '../src/api';
import { hostEnv } from './support/env';
import { checkKnownAnswer, skeletonThreshold } from './support/knownAnswer';
import { callFromPage } from './support/pageSocket';
import { openTab } from './support/workstationPage';

/**
 * The renderer's IPC transport, where Electron cannot run: an init script gives the page a
 * `window.workstationBridge` shaped like electron/preload.ts's, forwarding to the real host (the
 * core's answers are real; only the wire differs). The renderer must pick IpcApi, and with it load,
 * segment to the known answer, fill the export path from the save dialog and export.
 */
test('over the preload bridge the renderer loads, segments and exports', async ({ page }) => {
  const { url, exportDir } = hostEnv();
  const chosenPath = join(exportDir, 'from-dialog.nii.gz');
  await page.addInitScript((savePath: string) => {
    const listeners = new Set<(event: unknown) => void>();
    const pending = new Map<number, (response: unknown) => void>();
    const socket = new WebSocket(`ws://${location.host}/api`);
    const opened = new Promise((resolve) => socket.addEventListener('open', resolve));
    socket.addEventListener('message', (message) => {
      const parsed = JSON.parse(String(message.data)) as {
        kind: string;
        id?: number;
        event?: unknown;
      };
      if (parsed.kind === 'event') for (const listener of listeners) listener(parsed.event);
      else if (typeof parsed.id === 'number') {
        pending.get(parsed.id)?.(parsed);
        pending.delete(parsed.id);
      }
    });
    const calls = { request: 0, fetchVoxels: 0, chooseSavePath: 0 };
    Object.assign(window, {
      bridgeCalls: calls,
      workstationBridge: {
        async request(envelope: { id: number }) {
          calls.request++;
          await opened;
          return new Promise((resolve) => {
            pending.set(envelope.id, resolve);
            socket.send(JSON.stringify(envelope));
          });
        },
        onEvent(listener: (event: unknown) => void) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        async fetchVoxels(resource: { kind: string; volumeId?: string; labelmapId?: string }) {
          calls.fetchVoxels++;
          const id = resource.kind === 'volume' ? resource.volumeId : resource.labelmapId;
          const response = await fetch(`/voxels/${resource.kind}/${id}`);
          const bytes = new Uint8Array(await response.arrayBuffer());
          // Hand over a view into a larger buffer, as a Node Buffer would be.
          const padded = new Uint8Array(bytes.length + 16);
          padded.set(bytes, 8);
          return padded.subarray(8, 8 + bytes.length);
        },
        async putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array) {
          const response = await fetch(`/voxels/labelmap/${labelmapId}?volumeId=${volumeId}`, {
            method: 'PUT',
            body: labels as Uint8Array<ArrayBuffer>,
          });
          if (!response.ok) throw new Error(await response.text());
        },
        async chooseSavePath() {
          calls.chooseSavePath++;
          return savePath;
        },
      },
    });
  }, chosenPath);

  await page.goto(url);
  const body = page.locator('body');
  await expect(body).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const calls = () =>
    page.evaluate(() => (window as unknown as { bridgeCalls: Record<string, number> }).bridgeCalls);
  expect((await calls()).request, 'the renderer talks through the bridge').toBeGreaterThan(0);
  expect((await calls()).fetchVoxels).toBe(1);

  await openTab(page, 'AI');
  await page.getByTestId('segment').click();
  await expect(body).toHaveAttribute('data-job-state', /done|failed/, { timeout: 90_000 });
  await expect(page.getByRole('alert')).toBeHidden();
  await expect(body).toHaveAttribute('data-job-state', 'done');

  const series = await callFromPage<{ seriesId: string }[]>(page, 'listSeries', {});
  const volume = await callFromPage<VolumeInfo>(page, 'openSeries', {
    seriesId: series[0]?.seriesId,
  });
  const answer = await checkKnownAnswer(page, volume.voxelType, skeletonThreshold());
  expect(answer.mismatches).toBe(0);
  expect(answer.shownInViewer).toBe(answer.expected);

  // Electron keeps its save dialog: a path, Browse and overwrite
  await openTab(page, 'Export');
  await page.getByTestId('browse').click();
  await expect(page.getByTestId('export-path')).toHaveValue(chosenPath);
  await page.getByTestId('overwrite').check();
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-result')).toContainText(`Wrote ${chosenPath}`);
  expect(existsSync(chosenPath)).toBe(true);
  expect(await calls()).toEqual(expect.objectContaining({ fetchVoxels: 2, chooseSavePath: 1 }));
});
