/** A GET the worker (voxelGetWorker.ts) makes: `id` pairs its replies with it. */
export interface GetRequest {
  id: number;
  url: string;
}

/** What the worker says of a GET: bytes so far, then the body (any status) or why none came. */
export type GetReply =
  | { id: number; kind: 'progress'; received: number; total: number }
  | { id: number; kind: 'done'; status: number; body: ArrayBuffer }
  | { id: number; kind: 'failed'; reason: string };

/** A GET's answer: the status and the body, whatever the status. */
export interface GetResult {
  status: number;
  body: ArrayBuffer;
}

interface Waiting {
  onProgress?: (received: number, total: number) => void;
  resolve(result: GetResult): void;
  reject(reason: string): void;
}

/**
 * GETs binary bodies in a worker, off the page's main thread (whose long tasks would hold up the
 * transfer), and hands each body over without a copy. One worker, started with this object so
 * that it is running by the first GET (a GET after a worker failed starts a new one).
 */
export class WorkerGet {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor() {
    this.start();
  }

  get(url: URL, onProgress?: (received: number, total: number) => void): Promise<GetResult> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        onProgress,
        resolve,
        reject: (reason) => reject(new Error(reason)),
      });
      worker.postMessage({ id, url: url.href } satisfies GetRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./voxelGetWorker.ts', import.meta.url), {
      type: 'module',
      name: 'voxel GET',
    });
    worker.onmessage = (event: MessageEvent<GetReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      // a worker that cannot start fails what waits; the next GET makes a new one
      event.preventDefault();
      this.worker = null;
      for (const waiting of this.waiting.values()) {
        waiting.reject(`the download worker failed: ${event.message || 'it did not start'}`);
      }
      this.waiting.clear();
    };
    this.worker = worker;
    return worker;
  }

  private receive(reply: GetReply): void {
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    if (reply.kind === 'progress') {
      waiting.onProgress?.(reply.received, reply.total);
      return;
    }
    this.waiting.delete(reply.id);
    if (reply.kind === 'done') waiting.resolve({ status: reply.status, body: reply.body });
    else waiting.reject(reply.reason);
  }
}
