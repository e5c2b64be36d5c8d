import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { VoxelType } from '../../src/api';

/** The skeleton model's threshold, from its card. */
export function skeletonThreshold(): number {
  const card = JSON.parse(
    readFileSync('test/fixtures/models/skeleton-threshold/card.json', 'utf8'),
  ) as {
    threshold: unknown;
  };
  if (typeof card.threshold !== 'number') throw new Error('the model card has no threshold');
  return card.threshold;
}

/**
 * The known answer: label 1 exactly where the volume's voxel is above the model's threshold.
 * Compares the core's labelmap of the shown volume (ids from the page's data attributes) with it,
 * voxel by voxel, inside the page (its cookie authorises the fetches).
 */
export function checkKnownAnswer(page: Page, voxelType: VoxelType, threshold: number) {
  return page.evaluate(
    async ({ voxelType, threshold }) => {
      const { volumeId, labelmapId } = document.body.dataset;
      const get = async (path: string) => {
        const response = await fetch(path);
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.arrayBuffer();
      };
      const volumeBytes = await get(`/voxels/volume/${volumeId}`);
      const labelBytes = await get(`/voxels/labelmap/${labelmapId}`);
      const arrays = {
        int8: Int8Array,
        uint8: Uint8Array,
        int16: Int16Array,
        uint16: Uint16Array,
        int32: Int32Array,
        uint32: Uint32Array,
        float32: Float32Array,
      };
      const voxels = new arrays[voxelType](volumeBytes);
      const labels = new Uint8Array(labelBytes);
      let mismatches = 0;
      let expected = 0;
      for (let i = 0; i < voxels.length; i++) {
        const want = (voxels[i] ?? 0) > threshold ? 1 : 0;
        expected += want;
        if (labels[i] !== want) mismatches++;
      }
      const digest = await crypto.subtle.digest('SHA-256', labelBytes);
      return {
        voxels: voxels.length,
        labels: labels.length,
        expected,
        mismatches,
        shownInViewer: Number(document.body.dataset.labelmapVoxels),
        sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      };
    },
    { voxelType, threshold },
  );
}
