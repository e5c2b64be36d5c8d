import WebSocket from 'ws';

export interface HostMemory {
  /** V8 heap in use after a full collection, MB */
  heapUsedMb: number;
  /** ArrayBuffers (volumes, labelmaps) still alive after it, MB */
  arrayBuffersMb: number;
}

let socket: Promise<WebSocket> | undefined;
let nextId = 1;

/**
 * The host's Node inspector, opened by SIGUSR1 on the loopback port globalSetup gave it
 * (`--inspect-port`): the host's resident size alone cannot tell a kept series from one V8 has
 * not collected yet (it collects ArrayBuffers only once ~64 MB of them are outstanding).
 */
function inspector(): Promise<WebSocket> {
  socket ??= (async () => {
    const pid = Number(process.env.WORKSTATION_HOST_PID);
    const port = process.env.WORKSTATION_HOST_INSPECT_PORT;
    if (!pid || !port) throw new Error('globalSetup gave no host pid or inspector port');
    process.kill(pid, 'SIGUSR1');
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
          webSocketDebuggerUrl: string;
        }[];
        const url = targets[0]?.webSocketDebuggerUrl;
        if (url) {
          const ws = new WebSocket(url);
          await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
          return ws;
        }
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return socket;
}

async function send(method: string, params: object = {}): Promise<Record<string, unknown>> {
  const ws = await inspector();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      if (message.id !== id) return;
      ws.off('message', onMessage);
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result ?? {});
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

/** The host's live memory: what it still holds after a full garbage collection. */
export async function hostMemory(): Promise<HostMemory> {
  await send('HeapProfiler.collectGarbage');
  const evaluated = await send('Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  });
  const usage = JSON.parse(String((evaluated.result as { value: string }).value)) as {
    heapUsed: number;
    arrayBuffers: number;
  };
  return { heapUsedMb: usage.heapUsed / 1e6, arrayBuffersMb: usage.arrayBuffers / 1e6 };
}

/** Closes the inspector's socket (the host keeps the inspector open until it exits). */
export async function closeHostInspector(): Promise<void> {
  if (socket) (await socket).close();
  socket = undefined;
}
