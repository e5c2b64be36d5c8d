import {
  ApiError,
  errorMessage,
  type ApiEvent,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type VoxelResource,
  type WorkstationApi,
} from '../../src/api';
import type { WorkstationBridge } from './bridge';
import { EventHub, parseEvent, resultOf } from './responses';

/** The api over Electron IPC, through the bridge the preload script exposes. */
export class IpcApi implements WorkstationApi {
  private nextId = 1;
  private readonly events = new EventHub();

  constructor(private readonly bridge: WorkstationBridge) {
    bridge.onEvent((raw) => {
      const event = parseEvent(raw);
      if (event) this.events.emit(event);
    });
  }

  async call<C extends CommandName>(
    command: C,
    params: CommandParams<C>,
  ): Promise<CommandResult<C>> {
    const envelope = await this.bridge.request({ id: this.nextId++, command, params });
    return resultOf(command, envelope);
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.events.add(listener);
  }

  async fetchVoxels(
    resource: VoxelResource,
    onProgress?: (received: number, total: number) => void,
  ): Promise<ArrayBuffer> {
    let data: ArrayBuffer | ArrayBufferView;
    try {
      data = await this.bridge.fetchVoxels(resource);
    } catch (error) {
      throw new ApiError('io_error', errorMessage(error));
    }
    // IPC hands the bytes over at once: progress is whole when they are here
    onProgress?.(data.byteLength, data.byteLength);
    // IPC may hand over a view (a Buffer or Uint8Array) rather than the ArrayBuffer itself.
    if (ArrayBuffer.isView(data)) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return bytes.slice().buffer;
    }
    return data;
  }

  async putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): Promise<void> {
    try {
      await this.bridge.putLabelmap(labelmapId, volumeId, labels);
    } catch (error) {
      throw new ApiError('io_error', errorMessage(error));
    }
  }

  chooseSavePath(defaultName: string): Promise<string | null> {
    return this.bridge.chooseSavePath(defaultName);
  }
}
