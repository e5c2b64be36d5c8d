import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultSegmentColor } from '../../api/segmentColors';
import { readDicomFolder } from '../../dicom/readDicomFolder';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import type { Engine } from '../../engine/Engine';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import { segForSeries } from '../../export/exportDicomSeg';
import { exportNiftiLabelmap } from '../../export/exportNiftiLabelmap';
import { discardPartialRetrieve, retrieveSeries } from '../../pacs/retrieveSeries';
import { PacsError } from '../../pacs/PacsError';
import { writeFileAtomic } from '../../files/atomicWrite';
import type { BatchItem, BatchServer } from './BatchItem';
import type { BatchOutputs } from './ledger';
import { segUidsFor } from './segUids';

export interface SeriesJob {
  /** the engine, started on the first series that needs it: a worker with nothing left to do never starts one */
  engine: () => Promise<Engine>;
  model: ModelEntry;
  /** a hash of the model's card and weights: part of the SEG's UIDs */
  modelFingerprint: string;
  outDir: string;
  outputs: { seg: boolean; nifti: boolean; store: boolean };
  /** where SEGs of folder series are stored (DICOMweb series go back to their own server) */
  storeServer?: BatchServer;
  softwareVersion: string;
  signal: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** The model's classes (all but background) that have voxels, as AUTOMATIC segments. */
function segmentsOf(model: ModelEntry, labels: Uint8Array): SegmentDefinition[] {
  const present = new Set<number>();
  for (const v of labels) if (v !== 0) present.add(v);
  return model.classes.flatMap((name, value) =>
    value > 0 && present.has(value)
      ? [
          {
            labelValue: value,
            label: name.slice(0, 64),
            color: defaultSegmentColor(value - 1),
            kind: 'tissue' as const,
            algorithmType: 'AUTOMATIC' as const,
            algorithmName: model.name.slice(0, 64),
          },
        ]
      : [],
  );
}

/** The series' study, found by QIDO-RS when the batch knew only its Series Instance UID. */
async function located(item: Extract<BatchItem, { kind: 'dicomweb' }>, signal: AbortSignal) {
  if (item.studyInstanceUid) return item;
  const found = await item.server.client.findSeries(item.seriesInstanceUid, signal);
  if (!found) {
    throw new PacsError('not-found', `${item.server.url} has no series ${item.seriesInstanceUid}`);
  }
  return { ...item, studyInstanceUid: found.studyInstanceUid };
}

/**
 * Segments one series of a batch and writes what was asked: a SEG file, a NIfTI labelmap, the
 * SEG stored on a server (STOW-RS; skipped when the server holds this very SEG already). A
 * DICOMweb series is retrieved into `<out>/work/` first and removed after. Throws, naming the
 * problem, for anything that stops this series; the batch goes on with the next.
 */
export async function segmentSeries(item: BatchItem, job: SeriesJob): Promise<BatchOutputs> {
  const { signal } = job;
  let dir: string;
  let work: string | undefined;
  let server: BatchServer | undefined = job.storeServer;
  if (item.kind === 'dicomweb') {
    const series = await located(item, signal);
    server = item.server;
    work = join(job.outDir, 'work', item.key);
    // a killed worker may have left the whole folder; a partial one resumes
    await rm(work, { recursive: true, force: true });
    await mkdir(join(job.outDir, 'work'), { recursive: true });
    await retrieveSeries(server.client, series, work, {
      signal,
      serverName: server.url,
      onProgress: (p) => job.onProgress?.('retrieve', p.done, p.total),
    });
    dir = work;
  } else {
    dir = item.dir;
  }
  try {
    const series = await readDicomFolder(dir);
    const labels = await infer(job, series.volume);
    const segments = segmentsOf(job.model, labels);
    if (segments.length === 0) throw new Error(`${job.model.name} labelled no voxel of the series`);
    const seriesInstanceUid = series.description.seriesInstanceUid;
    const uids = segUidsFor(seriesInstanceUid, job.modelFingerprint);
    const outputs: BatchOutputs = {};
    const needSeg = job.outputs.seg || job.outputs.store;
    const seg = needSeg
      ? await segForSeries(
          { dir, seriesInstanceUid, geometry: series.volume.geometry },
          labels,
          segments,
          {
            seriesDescription: `${job.model.name}`.slice(0, 64),
            softwareVersion: job.softwareVersion,
            uids,
          },
        )
      : undefined;
    if (seg && job.outputs.seg) {
      const path = join(job.outDir, 'seg', `${item.key}.dcm`);
      await mkdir(join(job.outDir, 'seg'), { recursive: true });
      await writeFileAtomic(path, seg, true);
      outputs.seg = path;
    }
    if (job.outputs.nifti) {
      const path = join(job.outDir, 'nifti', `${item.key}.nii.gz`);
      await mkdir(join(job.outDir, 'nifti'), { recursive: true });
      await exportNiftiLabelmap(path, series.volume.geometry, labels, segments, {
        overwrite: true,
        description: job.model.name,
      });
      outputs.nifti = path;
    }
    if (seg && job.outputs.store) {
      if (!server) throw new Error('--store needs --url: the server to store the SEG on');
      const studyInstanceUid = series.description.studyInstanceUid;
      const held = await server.client.searchSeries(
        studyInstanceUid,
        { SeriesInstanceUID: uids.series },
        signal,
      );
      if (held.length === 0) await server.client.store([seg], signal);
      outputs.stored = {
        server: server.url,
        studyInstanceUid,
        seriesInstanceUid: uids.series,
        sopInstanceUid: uids.instance,
        new: held.length === 0,
      };
    }
    return outputs;
  } finally {
    if (work) {
      await rm(work, { recursive: true, force: true });
      await discardPartialRetrieve(work);
    }
  }
}

async function infer(job: SeriesJob, volume: Parameters<Engine['infer']>[2]): Promise<Uint8Array> {
  job.signal.throwIfAborted();
  const engine = await job.engine();
  const running = engine.infer(`batch-${randomUUID()}`, job.model, volume, (done, total) =>
    job.onProgress?.('inference', done, total),
  );
  const cancel = () => running.cancel();
  job.signal.addEventListener('abort', cancel, { once: true });
  try {
    return await running.result;
  } finally {
    job.signal.removeEventListener('abort', cancel);
  }
}
