import type { DicomWebClient } from '../../pacs/DicomWebClient';

/** A DICOMweb server a batch reads from or stores to, with the name messages give it. */
export interface BatchServer {
  client: DicomWebClient;
  /** the DICOMweb root, as messages and the ledger name it */
  url: string;
}

/**
 * One series of a batch. `key` names it in the ledger and the claims: stable across runs and
 * workers (a series UID, or a hash of a folder's absolute path), and safe as a file name.
 */
export type BatchItem =
  | {
      kind: 'dicomweb';
      key: string;
      /** what the ledger and messages call it */
      source: string;
      server: BatchServer;
      studyInstanceUid: string;
      seriesInstanceUid: string;
    }
  | { kind: 'folder'; key: string; source: string; dir: string };
