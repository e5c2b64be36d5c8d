import { jsonNumber, jsonString, jsonStrings } from './dicomJson';
import type { DicomJson } from './dicomJson';
import { buildMultipart, parseMultipart } from './multipart';
import { PacsError } from './PacsError';
import type { PacsSeries, PacsStudy } from './summaries';

export type PacsAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export interface DicomWebClientOptions {
  /** the DICOMweb root, e.g. https://pacs.example.org/dicom-web */
  url: string;
  auth: PacsAuth;
  /** per request, until the whole answer is in (ms) */
  timeoutMs?: number;
}

export interface InstanceSummary {
  sopClassUid: string;
  sopInstanceUid: string;
}

/** QIDO-RS study search keys; PatientName takes wildcards (*, ?), StudyDate a range (a-b). */
export interface StudyQuery {
  PatientName?: string;
  PatientID?: string;
  StudyDate?: string;
  AccessionNumber?: string;
  ModalitiesInStudy?: string;
  StudyDescription?: string;
  limit?: number;
  offset?: number;
}

export interface StoreResult {
  stored: string[];
}

const STUDY_FIELDS = ['00081030', '00080061', '00201206', '00100020', '00080050'];
const SERIES_FIELDS = ['0008103E', '00200011', '00201209', '00080060'];

/**
 * A DICOMweb client (QIDO-RS, WADO-RS, STOW-RS) on Node's fetch. Not dicomweb-client: that
 * library sends its requests with XMLHttpRequest, which Node 20 does not have (it throws
 * "XMLHttpRequest is not defined"), and a polyfill would be a second HTTP stack to trust; the
 * core runs on Node, so it uses Node's own. Every failure is a PacsError whose kind tells
 * unreachable, refused credentials, timeout, cancel and a garbled answer apart.
 */
export class DicomWebClient {
  private readonly root: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;

  constructor(options: DicomWebClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new PacsError('unreachable', `${options.url} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PacsError(
        'unreachable',
        `${options.url}: a DICOMweb server is reached over http or https`,
      );
    }
    this.root = url.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const { auth } = options;
    if (auth.kind === 'basic') {
      this.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    } else if (auth.kind === 'bearer') {
      this.authorization = `Bearer ${auth.token}`;
    }
  }

  async searchStudies(query: StudyQuery = {}, signal?: AbortSignal): Promise<PacsStudy[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.set(key, String(value));
    for (const field of STUDY_FIELDS) params.append('includefield', field);
    return (await this.qido(`/studies?${params}`, signal)).map((d) => ({
      studyInstanceUid: jsonString(d, '0020000D'),
      patientName: jsonString(d, '00100010'),
      patientId: jsonString(d, '00100020'),
      studyDate: jsonString(d, '00080020'),
      studyDescription: jsonString(d, '00081030'),
      accessionNumber: jsonString(d, '00080050'),
      modalities: jsonStrings(d, '00080061'),
      numberOfSeries: jsonNumber(d, '00201206'),
    }));
  }

  async searchSeries(
    studyInstanceUid: string,
    query: { Modality?: string; SeriesInstanceUID?: string } = {},
    signal?: AbortSignal,
  ): Promise<PacsSeries[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.set(key, value);
    for (const field of SERIES_FIELDS) params.append('includefield', field);
    const path = `/studies/${encodeURIComponent(studyInstanceUid)}/series?${params}`;
    return (await this.qido(path, signal)).map((d) => ({
      studyInstanceUid,
      seriesInstanceUid: jsonString(d, '0020000E'),
      modality: jsonString(d, '00080060'),
      seriesNumber: jsonNumber(d, '00200011'),
      seriesDescription: jsonString(d, '0008103E'),
      numberOfInstances: jsonNumber(d, '00201209'),
    }));
  }

  /** A series by its UID alone (QIDO-RS at the root, /series): its study, or undefined. */
  async findSeries(
    seriesInstanceUid: string,
    signal?: AbortSignal,
  ): Promise<PacsSeries | undefined> {
    const params = new URLSearchParams({ SeriesInstanceUID: seriesInstanceUid });
    for (const field of [...SERIES_FIELDS, '0020000D']) params.append('includefield', field);
    const [d] = await this.qido(`/series?${params}`, signal);
    if (!d) return undefined;
    return {
      studyInstanceUid: jsonString(d, '0020000D'),
      seriesInstanceUid: jsonString(d, '0020000E'),
      modality: jsonString(d, '00080060'),
      seriesNumber: jsonNumber(d, '00200011'),
      seriesDescription: jsonString(d, '0008103E'),
      numberOfInstances: jsonNumber(d, '00201209'),
    };
  }

  async searchInstances(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    signal?: AbortSignal,
  ): Promise<InstanceSummary[]> {
    const path = `/studies/${encodeURIComponent(studyInstanceUid)}/series/${encodeURIComponent(seriesInstanceUid)}/instances`;
    const found = (await this.qido(path, signal)).map((d) => ({
      sopClassUid: jsonString(d, '00080016'),
      sopInstanceUid: jsonString(d, '00080018'),
    }));
    if (found.some((i) => !/^[0-9.]+$/.test(i.sopInstanceUid))) {
      throw new PacsError(
        'bad-response',
        `${this.root} listed an instance without a valid SOP Instance UID`,
      );
    }
    return found;
  }

  /** WADO-RS of one instance as a DICOM file (multipart/related; type="application/dicom"). */
  async retrieveInstance(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const path = `/studies/${encodeURIComponent(studyInstanceUid)}/series/${encodeURIComponent(seriesInstanceUid)}/instances/${encodeURIComponent(sopInstanceUid)}`;
    const { body, contentType } = await this.request('GET', path, {
      accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
      signal,
    });
    const parts = parseMultipart(body, contentType);
    if (parts.length !== 1) {
      throw new PacsError(
        'bad-response',
        `${this.root} answered instance ${sopInstanceUid} with ${parts.length} parts`,
      );
    }
    return parts[0].body;
  }

  /** STOW-RS: stores DICOM files; a file the server refuses is an error naming it and why. */
  async store(files: Uint8Array[], signal?: AbortSignal): Promise<StoreResult> {
    const { body, contentType } = buildMultipart(files);
    const answer = await this.request('POST', '/studies', {
      accept: 'application/dicom+json',
      contentType,
      body,
      signal,
      acceptStatus: [409],
    });
    const result = this.json(answer.body, '/studies') as DicomJson;
    const failed = (result['00081198']?.Value ?? []) as DicomJson[];
    if (failed.length > 0 || answer.status === 409) {
      const reasons = failed.map(
        (f) => `${jsonString(f, '00081155')} (failure reason ${jsonString(f, '00081197')})`,
      );
      throw new PacsError(
        'rejected',
        `${this.root} refused to store ${reasons.join(', ') || 'the files'}`,
      );
    }
    const stored = ((result['00081199']?.Value ?? []) as DicomJson[]).map((r) =>
      jsonString(r, '00081155'),
    );
    return { stored };
  }

  private async qido(path: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const answer = await this.request('GET', path, { accept: 'application/dicom+json', signal });
    if (answer.status === 204) return [];
    const json = this.json(answer.body, path);
    if (!Array.isArray(json) || json.some((d) => typeof d !== 'object' || d === null)) {
      throw new PacsError(
        'bad-response',
        `${this.root}${path.split('?')[0]}: the answer is not a list of DICOM JSON datasets`,
      );
    }
    return json as DicomJson[];
  }

  private json(body: Uint8Array, path: string): unknown {
    try {
      return JSON.parse(new TextDecoder().decode(body));
    } catch (error) {
      throw new PacsError(
        'bad-response',
        `${this.root}${path.split('?')[0]} did not answer with JSON: is this a DICOMweb server?`,
        { cause: error },
      );
    }
  }

  private async request(
    method: string,
    path: string,
    options: {
      accept: string;
      contentType?: string;
      body?: Uint8Array;
      signal?: AbortSignal;
      acceptStatus?: number[];
    },
  ): Promise<{ status: number; contentType: string; body: Uint8Array }> {
    const url = `${this.root}${path}`;
    const where = `${this.root}${path.split('?')[0]}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: options.accept };
    if (this.authorization) headers.authorization = this.authorization;
    if (options.contentType) headers['content-type'] = options.contentType;
    // Where it failed tells "cannot connect" from "the answer broke off".
    let phase: 'connect' | 'body' = 'connect';
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: options.body,
        signal,
        redirect: 'error',
      });
      phase = 'body';
      const body = new Uint8Array(await response.arrayBuffer());
      const status = response.status;
      if (status === 401) {
        throw new PacsError(
          'unauthorized',
          `${this.root} refused the credentials (401): check the user name and password, or the token`,
        );
      }
      if (status === 403)
        throw new PacsError(
          'forbidden',
          `${this.root} does not allow this (403 Forbidden): ${method} ${where}`,
        );
      if (status === 404)
        throw new PacsError(
          'not-found',
          `${where} was not found (404): is the URL the DICOMweb root?`,
        );
      if (status >= 400 && !options.acceptStatus?.includes(status)) {
        const text = new TextDecoder().decode(body.subarray(0, 200)).replace(/\s+/g, ' ').trim();
        throw new PacsError(
          'http',
          `${method} ${where} failed: ${status} ${response.statusText}${text ? ` (${text})` : ''}`,
        );
      }
      return { status, contentType: response.headers.get('content-type') ?? '', body };
    } catch (error) {
      if (error instanceof PacsError) throw error;
      if (options.signal?.aborted)
        throw new PacsError('cancelled', `${method} ${where} was cancelled`, { cause: error });
      if (timeout.aborted) {
        throw new PacsError(
          'timeout',
          `${this.root} did not answer within ${this.timeoutMs / 1000} s (${method} ${where})`,
          { cause: error },
        );
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      if (phase === 'connect') {
        const hint = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/.test(reason)
          ? 'is the server running and the URL right?'
          : /redirect/i.test(reason)
            ? 'the server redirects: enter the address it redirects to'
            : 'check the URL and, for https, the certificate';
        throw new PacsError('unreachable', `cannot reach ${this.root} (${reason}): ${hint}`, {
          cause: error,
        });
      }
      throw new PacsError(
        'bad-response',
        `${method} ${where}: the answer was cut off (${reason})`,
        { cause: error },
      );
    }
  }
}
