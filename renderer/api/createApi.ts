import type { WorkstationApi } from '../../src/api';
import { IpcApi } from './IpcApi';
import { WebSocketApi } from './WebSocketApi';
import './bridge';

/** IPC inside Electron (the preload exposed a bridge), otherwise the host's WebSocket. */
export function createApi(): WorkstationApi {
  return window.workstationBridge
    ? new IpcApi(window.workstationBridge)
    : WebSocketApi.forPage(window.location);
}
