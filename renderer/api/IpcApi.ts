import type {
  ApiEvent,
  CommandName,
  CommandParams,
  CommandResult,
  VoxelResource,
  WorkstationApi,
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

  fetchVoxels(resource: VoxelResource): Promise<ArrayBuffer> {
    return this.bridge.fetchVoxels(resource);
  }

  chooseSavePath(defaultName: string): Promise<string | null> {
    return this.bridge.chooseSavePath(defaultName);
  }
}
