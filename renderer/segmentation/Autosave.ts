import type { SavedSegmentation, WorkstationApi } from '../../src/api';
import { byTestId } from '../ui/dom';
import type { ErrorBanner } from '../ui/ErrorBanner';
import { whenPointerFree } from './pointerIdle';
import { labelHash, type SegmentationEditor, type SegmentInfo } from './SegmentationEditor';

/** Quiet time after the last edit before a save, and the longest an edit waits while editing goes on. */
const DEBOUNCE_MS = 800;
const MAX_WAIT_MS = 5_000;
/** After a failed save: first retry, and the longest wait between retries (doubling). */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 30_000;

type SaveState = 'saved' | 'pending' | 'saving' | 'error';

/**
 * Saves every edited segmentation of the open series to the core shortly after each edit (and
 * when the page is hidden or closed): the labels go up as bytes, then `saveSegmentation` writes
 * them atomically in the workstation's data folder. Opening the series brings them back. A failed
 * save keeps the edits and is retried (2 s, doubling to 30 s) until it goes through. The state
 * shows in the panel and on `document.body.dataset.saveState` (saved, pending, saving, error).
 */
export class Autosave {
  private readonly dirty = new Map<string, number>();
  private readonly revisions = new Map<string, number>();
  /** what was last saved or loaded of each segmentation: labels hash and segment table */
  private readonly savedState = new Map<string, string>();
  private timer = 0;
  private retryTimer = 0;
  private retryDelay = RETRY_FIRST_MS;
  private firstDirtyAt = 0;
  private saving: Promise<void> | null = null;
  private target: { seriesId: string; volumeId: string } | null = null;
  private readonly status = byTestId('save-status');

  constructor(
    private readonly api: WorkstationApi,
    private readonly editor: SegmentationEditor,
    private readonly banner: ErrorBanner,
  ) {
    editor.onChange((change, id) => {
      if (!id || !this.target) return;
      if (change === 'voxels' || change === 'segments') this.markDirty(id);
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void this.flush();
    });
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty.size === 0 && !this.saving) return;
      void this.flush();
      event.preventDefault();
    });
    this.show('saved', '');
  }

  /** Restores the saved segmentations of a series on its open volume; returns how many. */
  async open(seriesId: string, volumeId: string): Promise<number> {
    this.target = { seriesId, volumeId };
    const saved = await this.api.call('listSegmentations', { seriesId });
    for (const record of saved) await this.restore(record);
    this.show('saved', saved.length ? `Restored ${saved.length}` : '');
    return saved.length;
  }

  /** Deletes a segmentation from the views and from disk. */
  async delete(id: string): Promise<void> {
    const target = this.target;
    this.dirty.delete(id);
    this.editor.remove(id);
    if (target) {
      await this.api.call('deleteSegmentation', { seriesId: target.seriesId, segmentationId: id });
    }
  }

  /** Saves whatever is pending now. */
  async flush(): Promise<void> {
    window.clearTimeout(this.timer);
    window.clearTimeout(this.retryTimer);
    while (this.saving) await this.saving;
    if (this.dirty.size === 0) return;
    this.saving = this.saveAll().finally(() => (this.saving = null));
    await this.saving;
  }

  private async restore(record: SavedSegmentation): Promise<void> {
    const target = this.target;
    if (!target) return;
    const { labelmapId } = await this.api.call('loadSegmentation', {
      seriesId: target.seriesId,
      segmentationId: record.segmentationId,
      volumeId: target.volumeId,
    });
    const labels = new Uint8Array(await this.api.fetchVoxels({ kind: 'labelmap', labelmapId }));
    this.revisions.set(record.segmentationId, record.revision);
    this.savedState.set(
      record.segmentationId,
      stateKey(labelHash(labels), record.name, record.segments),
    );
    await this.editor.add({
      id: record.segmentationId,
      name: record.name,
      segments: record.segments.map((s) => ({ ...s, color: [...s.color] })),
      labels,
    });
  }

  private markDirty(id: string): void {
    if (this.dirty.size === 0) this.firstDirtyAt = Date.now();
    this.dirty.set(id, Date.now());
    this.show('pending', 'Unsaved changes');
    window.clearTimeout(this.timer);
    const wait = Math.min(DEBOUNCE_MS, Math.max(0, this.firstDirtyAt + MAX_WAIT_MS - Date.now()));
    // a stroke in progress is saved as soon as it ends, not halfway through
    this.timer = window.setTimeout(() => whenPointerFree(this.flushSoon), wait);
  }

  private readonly flushSoon = () => void this.flush();

  private async saveAll(): Promise<void> {
    const target = this.target;
    if (!target) return;
    const before = this.status.textContent ?? '';
    let savedAny = false;
    const ids = [...this.dirty.keys()];
    this.dirty.clear();
    try {
      for (const id of ids) {
        const entry = this.editor.segmentations.find((s) => s.id === id);
        if (!entry) continue;
        // a copy: edits may go on while the bytes travel
        const labels = this.editor.labels(id).slice();
        // Cornerstone reports data changes that are none (a first render): save real changes only
        const state = stateKey(labelHash(labels), entry.name, entry.segments);
        if (
          state ===
          (this.savedState.get(id) ?? stateKey(entry.initialHash, entry.name, entry.segments))
        )
          continue;
        this.show('saving', 'Saving…');
        savedAny = true;
        const revision = (this.revisions.get(id) ?? 0) + 1;
        const labelmapId = `edit-${id}`;
        await this.api.putLabelmap(labelmapId, target.volumeId, labels);
        const saved = await this.api.call('saveSegmentation', {
          seriesId: target.seriesId,
          segmentationId: id,
          labelmapId,
          name: entry.name,
          segments: entry.segments.map((s) => ({ ...s, color: [...s.color] })),
          revision,
        });
        this.revisions.set(id, saved.revision);
        this.savedState.set(id, state);
        document.body.dataset.savedRevision = String(saved.revision);
      }
      this.retryDelay = RETRY_FIRST_MS;
      if (this.dirty.size === 0) {
        this.show('saved', savedAny ? `Saved ${new Date().toLocaleTimeString()}` : before);
      }
    } catch (error) {
      // the edits stay in the page and dirty; saving is tried again, less often while it fails
      for (const id of ids) if (!this.dirty.has(id)) this.dirty.set(id, Date.now());
      const wait = this.retryDelay;
      this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
      this.show('error', `Not saved: retrying in ${Math.round(wait / 1000)} s`);
      this.banner.show('Autosave (your edits are kept in the page and saving is retried)', error);
      window.clearTimeout(this.retryTimer);
      this.retryTimer = window.setTimeout(() => void this.flush(), wait);
    }
  }

  private show(state: SaveState, text: string): void {
    document.body.dataset.saveState = state;
    this.status.textContent = text;
  }
}

function stateKey(hash: string, name: string, segments: readonly SegmentInfo[]): string {
  return JSON.stringify([hash, name, segments]);
}
