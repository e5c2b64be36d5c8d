import type { ModelSummary, WorkstationApi } from '../src/api';
import type { JobEvents } from './api/JobEvents';
import type { SegmentationEditor } from './segmentation/SegmentationEditor';
import { ComparePanel } from './ui/ComparePanel';
import type { ErrorBanner } from './ui/ErrorBanner';
import type { PreparedSegmentation } from './ui/ExportPanel';
import type { ModelPanel } from './ui/ModelPanel';
import { PacsPanel } from './ui/PacsPanel';
import { TrainingPanel } from './ui/TrainingPanel';
import type { Viewer } from './viewer/Viewer';

/** What the Training and PACS tabs need of the rest of the workstation. */
export interface TabsContext {
  api: WorkstationApi;
  jobs: JobEvents;
  banner: ErrorBanner;
  viewer: Viewer;
  editor: SegmentationEditor;
  /** the AI tab's model list, told of a model training made */
  modelPanel: ModelPanel;
  /** the active segmentation as it is now, edits included (what PACS sends) */
  prepare: () => Promise<PreparedSegmentation | null>;
  /** a series retrieved from a PACS is in the library: the series browser lists it */
  onRetrieved: () => void;
}

/** The Training (with Compare) and PACS tabs, once built. */
export interface TrainingAndPacsTabs {
  setModels(models: ModelSummary[]): void;
}

/**
 * Builds the Training, Compare and PACS panels. Their tabs are hidden at start, so the workstation
 * loads this module (uPlot included) and builds them once the first series is on screen; until
 * then their tab panels are inert (index.html), and they are made usable here.
 */
export function startTrainingAndPacsTabs(context: TabsContext): TrainingAndPacsTabs {
  const { api, jobs, banner, viewer, editor, modelPanel } = context;
  const setModels = (models: ModelSummary[]): void => {
    training.setModels(models);
    compare.setModels(models);
  };
  const training = new TrainingPanel(
    api,
    jobs,
    banner,
    async () => {
      const active = editor.active;
      const volumeId = viewer.volume?.info.volumeId;
      if (!active || !volumeId) return null;
      const labelmapId = `edit-${active.id}`;
      await api.putLabelmap(labelmapId, volumeId, editor.labels(active.id).slice());
      return { volumeId, labelmapId };
    },
    () => {
      api.call('listModels', {}).then(
        (models) => {
          setModels(models);
          modelPanel.setModels(
            models,
            viewer.volume?.info.volumeId ?? '',
            viewer.volume?.info.modality ?? '',
          );
        },
        (error: unknown) => banner.show('Models', error),
      );
    },
  );
  const compare = new ComparePanel(api, jobs, banner, () => training.checkedCases());
  new PacsPanel(api, jobs, banner, context.prepare, context.onRetrieved);
  for (const id of ['tabpanel-training', 'tabpanel-pacs']) {
    const panel = document.getElementById(id);
    panel?.removeAttribute('inert');
    panel?.removeAttribute('aria-busy');
  }
  return { setModels };
}
