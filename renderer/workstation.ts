import { cache } from '@cornerstonejs/core';
import {
  defaultSegmentColor,
  type LabelmapInfo,
  type ModelSummary,
  type SeriesSummary,
  type WorkstationApi,
} from '../src/api';
import type { JobEvents } from './api/JobEvents';
import { Autosave } from './segmentation/Autosave';
import { SegmentationEditor } from './segmentation/SegmentationEditor';
import { describeBackend } from './ui/BackendStatus';
import { CrosshairToggle } from './ui/CrosshairToggle';
import { byTestId } from './ui/dom';
import { EditPanel, TOOLS } from './ui/EditPanel';
import type { ErrorBanner } from './ui/ErrorBanner';
import { ExportControls } from './ui/ExportControls';
import { ExportPanel } from './ui/ExportPanel';
import { SegmentControls } from './ui/SegmentControls';
import { ModelPanel } from './ui/ModelPanel';
import { ImportPanel } from './ui/ImportPanel';
import { loadSeries, type LoadedSeries } from './ui/loadSeries';
import { SeriesBrowser, rememberOpened } from './ui/SeriesBrowser';
import type { SeriesProgress } from './ui/SeriesProgress';
import { seriesLabel } from './ui/seriesLabel';
import { sliceMetadataVolumes } from './viewer/sliceMetadata';
import { SegmentsPanel } from './ui/SegmentsPanel';
import { StatusBar } from './ui/StatusBar';
import { Tabs } from './ui/Tabs';
import { Shortcuts, key, type Shortcut } from './ui/Shortcuts';
import { ViewControls } from './ui/ViewControls';
import { SliceKeys } from './viewer/SliceKeys';
import { Viewer, type WindowPreset } from './viewer/Viewer';
import type { TrainingAndPacsTabs } from './trainingAndPacsTabs';
import { countNonZero } from './viewer/voxels';

/** What the page's entry (main.ts) started before this code had loaded. */
export interface Started {
  api: WorkstationApi;
  /** made before any command: a job's events can arrive before the answer that names the job */
  jobs: JobEvents;
  banner: ErrorBanner;
  progress: SeriesProgress;
  /** the library's series, as listed at start */
  listed: Promise<SeriesSummary[]>;
  /** the series to show first (the last opened, else the first listed), opening in the core */
  first: Promise<{ series: SeriesSummary; loaded: Promise<LoadedSeries> }>;
}

/**
 * The workstation screen: a series of the library (the one chosen in the series browser, at
 * start the last opened or the first) in three linked planes, segmentation
 * editing, AI segmentation, export. State for tests lives on `document.body`'s data attributes:
 * ready (three views rendered), volumeId, labelmapId and labelmapVoxels (the last AI result),
 * jobState, activeTool, canUndo/canRedo, activeSegmentation, segmentVoxels, seriesId (the open
 * series), seriesCount and importState (the library panels).
 */
export async function startWorkstation(started: Started): Promise<void> {
  // read by `npm run bench -- ui`: the page's code (Cornerstone3D's included) has loaded and run
  performance.mark('code evaluated');
  const { api, jobs, banner, progress } = started;
  let viewer: Viewer;
  try {
    viewer = new Viewer({
      axial: byTestId<HTMLDivElement>('viewport-axial'),
      coronal: byTestId<HTMLDivElement>('viewport-coronal'),
      sagittal: byTestId<HTMLDivElement>('viewport-sagittal'),
    });
  } catch (error) {
    banner.show('Starting the viewer', error);
    return;
  }
  new Tabs(byTestId('panel-tabs'));
  const editor = new SegmentationEditor(viewer);
  const edit = new EditPanel(viewer, editor, banner);
  const views = new ViewControls(viewer, banner);
  const sliceKeys = new SliceKeys(viewer);
  const crosshair = new CrosshairToggle(viewer);
  let manualCount = 0;
  const newSegmentation = async (): Promise<void> => {
    manualCount++;
    await editor.add({
      id: `manual-${Date.now().toString(36)}-${manualCount}`,
      name: `Segmentation ${manualCount}`,
      segments: [
        {
          index: 1,
          label: 'Segment 1',
          color: defaultSegmentColor(0),
          visible: true,
          locked: false,
        },
      ],
    });
  };
  const autosave = new Autosave(api, editor, banner);
  new SegmentsPanel(editor, banner, newSegmentation, (id) => autosave.delete(id));
  // Export and PACS send the active segmentation as it is now, edits included.
  const exportPanel = new ExportPanel(api, banner, editor, viewer);
  const exporter = new ExportControls(api, banner, () => exportPanel.prepare());
  const segment = new SegmentControls(
    api,
    jobs,
    banner,
    async (labelmap: LabelmapInfo, modelId: string) => {
      exporter.setLabelmap(null);
      const labels = new Uint8Array(
        await api.fetchVoxels({ kind: 'labelmap', labelmapId: labelmap.labelmapId }),
      );
      const models = await api.call('listModels', {});
      const model = models.find((m) => m.modelId === modelId);
      // A new result replaces earlier results nobody has edited; edited ones stay.
      for (const earlier of editor.segmentations.filter(
        (s) => s.id.startsWith('ai-') && !editor.edited(s.id),
      )) {
        editor.remove(earlier.id);
      }
      await editor.add({
        id: `ai-${labelmap.labelmapId}`,
        name: `${model?.name ?? 'AI'} result`,
        labels,
        segments: labelmap.classes.flatMap((label, index) =>
          index === 0
            ? []
            : [
                {
                  index,
                  label,
                  color: defaultSegmentColor(index - 1),
                  visible: true,
                  locked: false,
                },
              ],
        ),
      });
      document.body.dataset.labelmapId = labelmap.labelmapId;
      document.body.dataset.labelmapVoxels = String(
        countNonZero(editor.labels(`ai-${labelmap.labelmapId}`)),
      );
      exporter.setLabelmap(labelmap.labelmapId);
    },
  );

  const modelPanel = new ModelPanel(segment);
  new StatusBar();
  // The Training and PACS tabs are hidden at start: their code (uPlot included) loads, and their
  // panels are built, once the first series is on screen (or could not open), so that the first
  // frame waits on none of it.
  let laterTabs: Promise<TrainingAndPacsTabs | null> | null = null;
  const startLaterTabs = (): Promise<TrainingAndPacsTabs | null> =>
    (laterTabs ??= import('./trainingAndPacsTabs').then(
      ({ startTrainingAndPacsTabs }) =>
        startTrainingAndPacsTabs({
          api,
          jobs,
          banner,
          viewer,
          editor,
          modelPanel,
          prepare: () => exportPanel.prepare(),
          onRetrieved: () => {
            browser.refresh().catch((error: unknown) => banner.show('Series list', error));
          },
        }),
      (error: unknown) => {
        banner.show('Loading the Training and PACS tabs', error);
        return null;
      },
    ));

  const presets: [string, WindowPreset][] = [
    ['1', 'brain'],
    ['2', 'abdomen'],
    ['3', 'lung'],
    ['4', 'bone'],
    ['5', 'auto'],
  ];
  const table: Shortcut[] = [
    ...TOOLS.map(({ tool, label, key: letter }) => ({
      keys: letter.toUpperCase(),
      does: `Left button: ${label}`,
      match: key(letter),
      run: () => edit.select(tool),
    })),
    { keys: ']', does: 'Larger brush', match: key(']'), run: () => edit.changeSize(1.25) },
    { keys: '[', does: 'Smaller brush', match: key('['), run: () => edit.changeSize(0.8) },
    {
      keys: 'Ctrl+Z',
      does: 'Undo',
      match: key('z', { ctrl: true, shift: false }),
      run: () => edit.undo(),
    },
    {
      keys: 'Ctrl+Y, Ctrl+Shift+Z',
      does: 'Redo',
      match: (e) => key('y', { ctrl: true })(e) || key('z', { ctrl: true, shift: true })(e),
      run: () => edit.redo(),
    },
    {
      keys: 'I',
      does: 'Interpolate the active segment between edited slices',
      match: key('i'),
      run: () => edit.interpolate(),
    },
    { keys: 'N', does: 'New segment', match: key('n'), run: () => void editor.addSegment() },
    ...presets.map(([digit, preset]) => ({
      keys: digit,
      does: `Window: ${preset}`,
      match: key(digit),
      run: () => views.setPreset(preset),
    })),
    {
      keys: 'L',
      does: 'Next layout (1×3, 2×2, 1×1)',
      match: key('l'),
      run: () => views.cycleLayout(),
    },
    { keys: 'Space', does: 'Reset view', match: key(' '), run: () => void views.reset() },
    {
      keys: '↑ ↓ ← →, PageUp, PageDown',
      does: 'Previous / next slice in the view under the pointer (else the last clicked)',
      // a slider or field keeps its arrows
      match: (e) => SliceKeys.stepOf(e) !== 0 && !(e.target instanceof HTMLInputElement),
      run: (e) => sliceKeys.step(SliceKeys.stepOf(e)),
    },
    {
      keys: 'C',
      does: 'Show / hide the crosshair',
      match: key('c'),
      run: () => crosshair.toggle(),
    },
    { keys: '?', does: 'This help' },
    { keys: 'Wheel', does: 'Next / previous slice' },
    { keys: 'Right drag', does: 'Window / level' },
    { keys: 'Middle drag', does: 'Pan' },
    { keys: 'Ctrl + left drag', does: 'Zoom' },
    { keys: 'Left drag', does: 'The chosen tool (crosshairs by default)' },
  ];
  new Shortcuts(table);

  // Another series opens in place: layout, tool, export path and panels stay (issue 13 item 6).
  let models: ModelSummary[] | null = null;
  let wanted: string | null = null;
  let opening: Promise<void> = Promise.resolve();
  // `loaded`: the series is already opening in the core (the first one, from the page's entry)
  const open = (series: SeriesSummary, loaded?: Promise<LoadedSeries>): Promise<void> => {
    wanted = series.seriesId;
    // one switch at a time; of clicks made meanwhile, the last wins
    opening = opening.then(() =>
      wanted === series.seriesId && series.seriesId !== document.body.dataset.seriesId
        ? openSeries(series, loaded).catch((error: unknown) => {
            progress.hide();
            banner.show('Opening the series', error);
          })
        : undefined,
    );
    return opening;
  };
  const openSeries = async (
    series: SeriesSummary,
    loaded?: Promise<LoadedSeries>,
  ): Promise<void> => {
    const label = seriesLabel(series);
    if (!loaded) progress.show(`Opening ${label}…`);
    await autosave.flush();
    const previous = viewer.volume?.info.volumeId;
    document.body.dataset.ready = 'false';
    document.body.dataset.firstFrame = 'false';
    rememberOpened(series.seriesId);
    browser.setOpen(series.seriesId);
    document.body.dataset.seriesId = series.seriesId;
    byTestId('series-name').textContent = [series.patientName, series.seriesDescription]
      .filter(Boolean)
      .join(' · ');
    exporter.setLabelmap(null);
    viewer.drop3d();
    editor.close();
    // names start again with each series, as they did when a switch reloaded the page
    manualCount = 0;
    const { info, voxels } = await (loaded ?? loadSeries(api, series, progress));
    progress.show(`Drawing ${label}…`);
    // the three views show the series then; `ready` waits for the tools and segmentations too
    const shown = await viewer.showVolume(info, voxels, () => {
      document.body.dataset.firstFrame = 'true';
    });
    const laterTabsBuilt = startLaterTabs();
    views.setSeries(series);
    edit.setVolumeRange(...shown.window);
    // the 2x2 layout's 3D view comes back with the new volume
    if (document.body.dataset.layout === '2x2') await views.setLayout('2x2');
    progress.show(`Segmentations of ${label}…`);
    // the segmentations saved for this series come back; a first visit gets an empty one
    const restored = await autosave.open(series.seriesId, info.volumeId);
    exporter.setLabelmap('active');
    if (restored === 0) await newSegmentation();
    // what the core held for the series left behind goes (its edits were saved above)
    // (a failure here leaves the new series open and says why the old one stays held)
    if (previous && previous !== info.volumeId) {
      await api
        .call('closeVolume', { volumeId: previous })
        .catch((error: unknown) => banner.show('Closing the previous series', error));
    }
    document.body.dataset.volumeId = info.volumeId;
    document.body.dataset.openedSeries = String(
      Number(document.body.dataset.openedSeries ?? 0) + 1,
    );
    showCacheSize();
    progress.hide();
    // the workstation is whole: every tab usable
    await laterTabsBuilt;
    document.body.dataset.ready = 'true';
    if (models) modelPanel.setModels(models, info.volumeId, info.modality);
  };
  const openById = (seriesId: string): void => {
    const found = browser.all.find((s) => s.seriesId === seriesId);
    if (found) void open(found);
    else banner.show('Opening the series', new Error(`the library has no series ${seriesId}`));
  };
  const browser = new SeriesBrowser(
    byTestId('series-panel'),
    api,
    banner,
    (chosen) => void open(chosen),
    () => {
      // the open series was deleted: the first one left opens
      const first = browser.all[0];
      if (first) void open(first);
      else banner.show('Opening the series', new Error('the library has no series: import one'));
    },
  );
  // One series imported opens in the views; several are offered, one button each.
  const importPanel = new ImportPanel(byTestId('import-panel'), api, jobs, banner, (ids) => {
    browser.refresh().then(
      (all) => {
        const found = all.filter((s) => ids.includes(s.seriesId));
        const only = found.length === 1 ? found[0] : undefined;
        if (only) void open(only);
        else if (found.length > 1) {
          importPanel.offerToOpen(
            found.map((s) => ({ seriesId: s.seriesId, label: seriesLabel(s) })),
            openById,
          );
        }
      },
      (error: unknown) => banner.show('Series list', error),
    );
  });

  byTestId('reset').addEventListener('click', () => {
    views.reset().catch((error: unknown) => banner.show('Reset view', error));
  });
  showBackend(api, banner);
  try {
    // the first series waits for no answer to the panels (it is on screen sooner)
    api.call('getAppInfo', {}).then(
      (app) => {
        document.title = `ACS Workstation ${app.version}`;
        exporter.setDefaultFolder(app.exportDirectory);
      },
      (error: unknown) => banner.show('Workstation version and export folder', error),
    );
    const [, first] = await Promise.all([browser.refresh(started.listed), started.first]);
    await open(first.series, first.loaded);
  } catch (error) {
    banner.show('Opening the series', error);
  }
  // with no series open (an empty library, a failed open) the tabs are built all the same
  const tabs = await startLaterTabs();
  try {
    models = await api.call('listModels', {});
    const shown = viewer.volume?.info;
    if (shown) modelPanel.setModels(models, shown.volumeId, shown.modality);
    tabs?.setModels(models);
    if (models.length === 0) throw new Error('no segmentation model is installed');
  } catch (error) {
    banner.show('Segmentation models', error);
  }
}

/**
 * Cornerstone's cache, for the memory and grid tests: bytes and volumes held, the grid each volume
 * is on (a series shows on its own acquisition grid, never resampled), volumes with slice metadata.
 */
function showCacheSize(): void {
  document.body.dataset.cacheBytes = String(cache.getCacheSize());
  document.body.dataset.cacheVolumes = String(cache.getVolumes().length);
  document.body.dataset.cachedGrids = JSON.stringify(
    cache.getVolumes().map((v) => ({ dimensions: [...v.dimensions], direction: [...v.direction] })),
  );
  document.body.dataset.sliceMetadataVolumes = String(sliceMetadataVolumes());
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
