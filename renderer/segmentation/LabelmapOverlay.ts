import { cache, eventTarget, volumeLoader } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import type { LabelmapInfo } from '../../src/api';
import { PLANE_IDS } from '../viewer/planes';
import { describeSlices, localVolumeId, type ShownVolume, type Viewer } from '../viewer/Viewer';
import { countNonZero } from '../viewer/voxels';

const RENDER_TIMEOUT_MS = 30_000;

/** What the overlay shows now, as Cornerstone holds it. */
export interface ShownLabelmap {
  info: LabelmapInfo;
  segmentationId: string;
  /** non-zero voxels of the labelmap volume in Cornerstone's cache */
  nonZeroVoxels: number;
}

/** The labelmap of a segmentation job, shown as a Cornerstone3D labelmap in all three views. */
export class LabelmapOverlay {
  private shown: ShownLabelmap | null = null;

  constructor(private readonly viewer: Viewer) {}

  get labelmap(): ShownLabelmap | null {
    return this.shown;
  }

  /** Replaces the overlay; resolves once every view has drawn it. */
  async show(info: LabelmapInfo, buffer: ArrayBuffer): Promise<ShownLabelmap> {
    const volume = this.viewer.volume;
    if (!volume || volume.info.volumeId !== info.volumeId) {
      throw new Error('the labelmap belongs to a volume that is not shown');
    }
    const [columns, rows, slices] = volume.info.geometry.dimensions;
    if (buffer.byteLength !== columns * rows * slices) {
      throw new Error(
        `the labelmap has ${buffer.byteLength} voxels, its volume ${columns * rows * slices}`,
      );
    }
    this.clear();

    const segmentationId = `labelmap:${info.labelmapId}`;
    const labelmapVolumeId = localVolumeId('labelmap', info.labelmapId);
    createLabelmapVolume(volume, labelmapVolumeId, new Uint8Array(buffer));
    const segments: Record<number, { label: string }> = {};
    info.classes.forEach((name, index) => {
      if (index > 0) segments[index] = { label: name };
    });
    segmentation.addSegmentations([
      {
        segmentationId,
        representation: {
          type: ToolEnums.SegmentationRepresentations.Labelmap,
          data: { volumeId: labelmapVolumeId, referencedVolumeId: volume.cornerstoneVolumeId },
        },
        config: { label: 'Segmentation', segments },
      },
    ]);
    const drawn = waitForSegmentationRendered(segmentationId);
    segmentation.addLabelmapRepresentationToViewportMap(
      Object.fromEntries(
        PLANE_IDS.map((id) => [
          id,
          [{ segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap }],
        ]),
      ),
    );
    segmentation.segmentationStyle.setStyle(
      { type: ToolEnums.SegmentationRepresentations.Labelmap, segmentationId },
      { renderFill: true, fillAlpha: 0.45, renderOutline: true, outlineWidth: 2 },
    );
    await drawn;

    const cached = cache.getVolume(labelmapVolumeId);
    const values = cached?.voxelManager?.getCompleteScalarDataArray?.();
    if (!values) throw new Error('the labelmap is not in the viewer after loading it');
    this.shown = { info, segmentationId, nonZeroVoxels: countNonZero(values) };
    return this.shown;
  }

  clear(): void {
    if (!this.shown) return;
    const { segmentationId, info } = this.shown;
    this.shown = null;
    segmentation.removeSegmentation(segmentationId);
    cache.removeVolumeLoadObject(localVolumeId('labelmap', info.labelmapId));
    this.viewer.renderingEngine.render();
  }
}

function createLabelmapVolume(volume: ShownVolume, volumeId: string, labels: Uint8Array): void {
  const { dimensions, spacing, origin, direction } = volume.info.geometry;
  volumeLoader.createLocalLabelmapVolume(
    {
      metadata: { ...volume.metadata, BitsAllocated: 8, BitsStored: 8, HighBit: 7 },
      dimensions,
      spacing,
      origin,
      direction,
      scalarData: labels,
      referencedVolumeId: volume.cornerstoneVolumeId,
    },
    volumeId,
  );
  describeSlices(volumeId, volume.info.geometry, volume.metadata.FrameOfReferenceUID);
}

/** Resolves when each of the three views has rendered the segmentation. */
function waitForSegmentationRendered(segmentationId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const pending = new Set<string>(PLANE_IDS);
    const listener = (event: Event) => {
      const detail = (event as CustomEvent<{ viewportId?: string; segmentationId?: string }>)
        .detail;
      if (detail?.segmentationId && detail.segmentationId !== segmentationId) return;
      if (detail?.viewportId) pending.delete(detail.viewportId);
      if (pending.size === 0) finish();
    };
    const timer = window.setTimeout(() => {
      eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
      reject(new Error(`the overlay was not drawn in: ${[...pending].join(', ')}`));
    }, RENDER_TIMEOUT_MS);
    const finish = () => {
      window.clearTimeout(timer);
      eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
      resolve();
    };
    eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, listener);
  });
}
