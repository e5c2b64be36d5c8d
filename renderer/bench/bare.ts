// The bare Cornerstone3D page `npm run bench -- ui` compares the workstation with: the same volume
// from the same host in three orthographic views, window/level on the right button and a brush
// on an empty labelmap on the left, and nothing else. Test-only; not linked from the app.
import {
  Enums,
  RenderingEngine,
  init as initCore,
  setVolumesForViewports,
  volumeLoader,
  type Types,
} from '@cornerstonejs/core';
import {
  BrushTool,
  Enums as ToolEnums,
  ToolGroupManager,
  WindowLevelTool,
  addTool,
  init as initTools,
  segmentation,
} from '@cornerstonejs/tools';
import { WebSocketApi } from '../api/WebSocketApi';
import { describeSlices, localVolumeId, nextPaint } from '../viewer/Viewer';
import { autoWindow, toScalarArray } from '../viewer/voxels';

const ids = ['axial', 'coronal', 'sagittal'] as const;
const orientations = {
  axial: Enums.OrientationAxis.AXIAL,
  coronal: Enums.OrientationAxis.CORONAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
};

async function main(): Promise<void> {
  // as the app marks it: the page's code (Cornerstone3D's included) has loaded and run
  performance.mark('code evaluated');
  initCore();
  initTools();
  addTool(WindowLevelTool);
  addTool(BrushTool);
  const api = WebSocketApi.forPage(window.location);
  const [series] = await api.call('listSeries', {});
  if (!series) throw new Error('no series');
  const info = await api.call('openSeries', { seriesId: series.seriesId });
  const voxels = toScalarArray(
    await api.fetchVoxels({ kind: 'volume', volumeId: info.volumeId }),
    info.voxelType,
    info.geometry,
  );
  const element = (id: string) =>
    document.querySelector<HTMLDivElement>(`[data-testid="viewport-${id}"]`) as HTMLDivElement;
  const engine = new RenderingEngine('bare');
  engine.setViewports(
    ids.map((id) => ({
      viewportId: id,
      type: Enums.ViewportType.ORTHOGRAPHIC,
      element: element(id),
      defaultOptions: {
        orientation: orientations[id],
        background: [0, 0, 0] as [number, number, number],
      },
    })),
  );
  const volumeId = localVolumeId('volume', info.volumeId);
  const { dimensions, spacing, origin, direction } = info.geometry;
  const metadata = {
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelRepresentation: 1,
    Modality: info.modality,
    SeriesInstanceUID: info.seriesId,
    ImageOrientationPatient: direction.slice(0, 6),
    PixelSpacing: [spacing[1], spacing[0]],
    FrameOfReferenceUID: `bare:${info.volumeId}`,
    Columns: dimensions[0],
    Rows: dimensions[1],
    voiLut: [],
    VOILUTFunction: 'LINEAR',
  };
  volumeLoader.createLocalVolume(volumeId, {
    metadata,
    dimensions,
    spacing,
    origin,
    direction,
    scalarData: voxels,
  });
  describeSlices(volumeId, info.geometry, metadata.FrameOfReferenceUID);
  await setVolumesForViewports(engine, [{ volumeId }], [...ids]);
  const [lower, upper] = autoWindow(voxels, info.range);
  for (const id of ids) {
    (engine.getViewport(id) as Types.IVolumeViewport).setProperties({ voiRange: { lower, upper } });
  }

  // The volume first, as the app shows it; the brush's labelmap and tools after.
  const renderAll = () =>
    new Promise<void>((resolve) => {
      let rendered = 0;
      for (const id of ids) {
        element(id).addEventListener(
          Enums.Events.IMAGE_RENDERED,
          () => {
            if (++rendered === ids.length) resolve();
          },
          { once: true },
        );
      }
      engine.render();
    });
  await renderAll();
  // Cornerstone's first frame of a new volume leaves the axial view black (its texture is not on
  // the GPU yet: the bench reads 0% lit pixels there); the views show the image from the second.
  await renderAll();
  // on screen, as the app measures it
  await nextPaint();
  document.body.dataset.firstFrame = 'true';

  const labelmapId = localVolumeId('labelmap', `bare-${info.volumeId}`);
  volumeLoader.createLocalLabelmapVolume(
    {
      metadata: { ...metadata, BitsAllocated: 8, BitsStored: 8, HighBit: 7 },
      dimensions,
      spacing,
      origin,
      direction,
      scalarData: new Uint8Array(voxels.length),
      referencedVolumeId: volumeId,
    },
    labelmapId,
  );
  describeSlices(labelmapId, info.geometry, metadata.FrameOfReferenceUID);
  const segmentationId = 'bare';
  const labelmap = ToolEnums.SegmentationRepresentations.Labelmap;
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: {
        type: labelmap,
        data: { volumeId: labelmapId, referencedVolumeId: volumeId },
      },
    },
  ]);
  segmentation.addLabelmapRepresentationToViewportMap(
    Object.fromEntries(ids.map((id) => [id, [{ segmentationId, type: labelmap }]])),
  );

  const group = ToolGroupManager.createToolGroup('bare');
  if (!group) throw new Error('no tool group');
  group.addTool(WindowLevelTool.toolName);
  group.addTool(BrushTool.toolName, { brushSize: 12 });
  for (const id of ids) group.addViewport(id, 'bare');
  group.setToolActive(WindowLevelTool.toolName, {
    bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }],
  });
  group.setToolActive(BrushTool.toolName, {
    bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }],
  });
  for (const id of ids) element(id).addEventListener('contextmenu', (e) => e.preventDefault());

  document.body.dataset.ready = 'true';
}

main().catch((error: unknown) => {
  document.body.dataset.error = String(error);
  console.error(error);
});
