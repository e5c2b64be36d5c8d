import {
  ApiError,
  type ApiErrorCode,
  type ApiEvent,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type ResponseEnvelope,
  type VoxelResource,
  type WorkstationApi,
} from '../../src/api';
import { EventHub, parseEvent, resultOf } from './responses';
import { WorkerGet, type GetResult } from './workerGet';

interface Pending {
  resolve(envelope: ResponseEnvelope): void;
  reject(error: Error): void;
}

/**
 * The api in a browser served by the host: commands and events over one WebSocket, voxels over
 * binary HTTP. The host authorises both by the cookie it set when the page was opened.
 */
export class WebSocketApi implements WorkstationApi {
  private socket: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events = new EventHub();
  private readonly downloads = new WorkerGet();

  constructor(
    private readonly socketUrl: string,
    private readonly baseUrl: string,
  ) {}

  /** The api of the host that served this page. */
  static forPage(location: Location): WebSocketApi {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WebSocketApi(`${scheme}//${location.host}/api`, `${location.origin}/`);
  }

  async call<C extends CommandName>(
    command: C,
    params: CommandParams<C>,
  ): Promise<CommandResult<C>> {
    const socket = await this.connect();
    const id = this.nextId++;
    const envelope = await new Promise<ResponseEnvelope>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, command, params }));
    });
    return resultOf(command, envelope);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    // Events only arrive on an open socket: open it for a listener too.
    this.connect().catch(() => undefined);
    return this.events.add(listener);
  }

  async fetchVoxels(
    resource: VoxelResource,
    onProgress?: (received: number, total: number) => void,
  ): Promise<ArrayBuffer> {
    const path =
      resource.kind === 'volume'
        ? `voxels/volume/${encodeURIComponent(resource.volumeId)}`
        : `voxels/labelmap/${encodeURIComponent(resource.labelmapId)}`;
    let got: GetResult;
    try {
      got = await this.downloads.get(new URL(path, this.baseUrl), onProgress);
    } catch (error) {
      throw new ApiError('io_error', `could not fetch ${path}: ${(error as Error).message}`);
    }
    if (got.status >= 200 && got.status < 300) return got.body;
    const response = new Response(got.body, { status: got.status });
    throw new ApiError(codeForStatus(got.status), await errorMessage(response, path));
  }

  async putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void> {
    const path = `voxels/labelmap/${encodeURIComponent(labelmapId)}?volumeId=${encodeURIComponent(volumeId)}`;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: labels as Uint8Array<ArrayBuffer>,
      });
    } catch (error) {
      throw new ApiError('io_error', `could not upload ${path}: ${String(error)}`);
    }
    if (!response.ok) {
      throw new ApiError(codeForStatus(response.status), await errorMessage(response, path));
    }
  }

  chooseSavePath(_defaultName: string): Promise<string | null> {
    // A page has no save dialog that yields a path on the host's disk: the UI asks for a path.
    return Promise.resolve(null);
  }

  private connect(): Promise<WebSocket> {
    if (!this.socket) {
      this.socket = new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(this.socketUrl);
        socket.binaryType = 'arraybuffer';
        socket.onopen = () => resolve(socket);
        socket.onmessage = (message) => this.receive(message.data);
        socket.onerror = () => reject(new ApiError('io_error', 'cannot reach the workstation'));
        socket.onclose = () => {
          // Fail what waits and reconnect on the next call.
          this.socket = null;
          const lost = new ApiError('io_error', 'the connection to the workstation was lost');
          for (const pending of this.pending.values()) pending.reject(lost);
          this.pending.clear();
          reject(lost);
        };
      });
    }
    return this.socket;
  }

  private receive(data: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      console.error('unreadable message from the workstation');
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const kind = (message as { kind?: unknown }).kind;
    if (kind === 'event') {
      const event = parseEvent((message as { event?: unknown }).event);
      if (event) this.events.emit(event);
      else console.error('event outside the contract', message);
    } else if (kind === 'response') {
      const envelope = message as ResponseEnvelope;
      if (typeof envelope.id !== 'number') {
        console.error('response without a request', envelope);
        return;
      }
      const pending = this.pending.get(envelope.id);
      this.pending.delete(envelope.id);
      pending?.resolve(envelope);
    }
  }
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 400) return 'bad_request';
  return 'io_error';
}

async function errorMessage(response: Response, path: string): Promise<string> {
  const fallback = `${path}: HTTP ${response.status}`;
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
      const message = body.error?.message ?? body.message;
      if (typeof message === 'string') return message;
    } catch {
      // not JSON
    }
    return text.trim() ? `${fallback}: ${text.trim().slice(0, 300)}` : fallback;
  } catch {
    return fallback;
  }
}
