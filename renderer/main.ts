import type { LabelmapInfo, WorkstationApi } from '../src/api';
import { createApi } from './api/createApi';
import { LabelmapOverlay } from './segmentation/LabelmapOverlay';
import { describeBackend } from './ui/BackendStatus';
import { byTestId, joinPath } from './ui/dom';
import { ErrorBanner } from './ui/ErrorBanner';
import { ExportControls } from './ui/ExportControls';
import { SegmentControls } from './ui/SegmentControls';
import { Viewer } from './viewer/Viewer';

/**
 * The walking skeleton's screen: open the first series of the library in three planes, segment it
 * with the first model, show the labelmap, export it. State for tests lives on `document.body`'s
 * data attributes: ready (three views rendered), volumeId, labelmapId, labelmapVoxels, jobState.
 */
async function main(): Promise<void> {
  const banner = new ErrorBanner();
  let api: WorkstationApi;
  let viewer: Viewer;
  try {
    api = createApi();
    viewer = new Viewer({
      axial: byTestId<HTMLDivElement>('viewport-axial'),
      coronal: byTestId<HTMLDivElement>('viewport-coronal'),
      sagittal: byTestId<HTMLDivElement>('viewport-sagittal'),
    });
  } catch (error) {
    banner.show('Starting the viewer', error);
    return;
  }
  const overlay = new LabelmapOverlay(viewer);
  const exporter = new ExportControls(api, banner);
  const segment = new SegmentControls(api, banner, async (labelmap: LabelmapInfo) => {
    exporter.setLabelmap(null);
    const labels = await api.fetchVoxels({ kind: 'labelmap', labelmapId: labelmap.labelmapId });
    const shown = await overlay.show(labelmap, labels);
    document.body.dataset.labelmapId = labelmap.labelmapId;
    document.body.dataset.labelmapVoxels = String(shown.nonZeroVoxels);
    exporter.setLabelmap(labelmap.labelmapId);
  });

  byTestId('reset').addEventListener('click', () => {
    viewer.reset().catch((error: unknown) => banner.show('Reset view', error));
  });
  showBackend(api, banner);
  try {
    const [appInfo, series] = await Promise.all([
      api.call('getAppInfo', {}),
      api.call('listSeries', {}),
    ]);
    document.title = `ACS Workstation ${appInfo.version}`;
    exporter.setDefaultPath(joinPath(appInfo.exportDirectory, 'labels.nii.gz'));
    const first = series[0];
    if (!first) throw new Error('the library has no series');
    byTestId('series-name').textContent = [first.patientName, first.seriesDescription]
      .filter(Boolean)
      .join(' · ');
    const info = await api.call('openSeries', { seriesId: first.seriesId });
    const voxels = await api.fetchVoxels({ kind: 'volume', volumeId: info.volumeId });
    await viewer.showVolume(info, voxels);
    document.body.dataset.volumeId = info.volumeId;
    document.body.dataset.ready = 'true';

    const models = await api.call('listModels', {});
    const model = models[0];
    if (!model) throw new Error('no segmentation model is installed');
    byTestId('segment').title = `Run ${model.name}`;
    segment.setTarget({ volumeId: info.volumeId, modelId: model.modelId });
  } catch (error) {
    banner.show('Opening the sample', error);
  }
}

function showBackend(api: WorkstationApi, banner: ErrorBanner): void {
  const line = byTestId('backend-status');
  api.call('getBackendStatus', {}).then(
    (status) => {
      const { line: text, detail } = describeBackend(status);
      line.textContent = text;
      line.title = detail;
    },
    (error: unknown) => {
      line.textContent = 'Engine: unknown';
      banner.show('Engine status', error);
    },
  );
}

void main();
