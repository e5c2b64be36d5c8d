import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ServerMessage } from '../api/envelope';
import { ApiError } from '../api/errors';
import type { Workstation } from '../workstation/Workstation';
import { dispatchText } from '../workstation/dispatch';
import { TOKEN_COOKIE, isAuthorised, isLocalRequest, newToken } from './auth';
import { securityHeaders } from './securityHeaders';
import { readStatic } from './staticFiles';

export interface HostOptions {
  workstation: Workstation;
  /** the built renderer (build/renderer) */
  staticDir: string;
  /** 0 picks a free port */
  port: number;
}

export interface Host {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1 << 20;

function voxelBytes(workstation: Workstation, kind: string, id: string): Buffer {
  const data = kind === 'volume' ? workstation.volume(id).voxels : workstation.labelmap(id);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serves the renderer to a browser and the api over a WebSocket, on 127.0.0.1 only. Every
 * request and socket must carry the per-run token (query on the first page load, then an
 * HttpOnly cookie, or a Bearer header).
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const { workstation, staticDir } = options;
  const token = newToken();
  let port = 0;

  const refuse = (response: ServerResponse, status: number, message: string) => {
    response.writeHead(status, {
      ...securityHeaders(port),
      'Content-Type': 'text/plain; charset=utf-8',
    });
    response.end(message);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (!isLocalRequest(request, port))
      return refuse(response, 403, 'forbidden: not a local request');
    if (!isAuthorised(request, url, token))
      return refuse(response, 401, 'unauthorised: the per-run token is missing or wrong');
    if (request.method !== 'GET') return refuse(response, 405, 'method not allowed');
    const headers = securityHeaders(port);
    if (url.searchParams.has('token')) {
      headers['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    const voxels = url.pathname.match(/^\/voxels\/(volume|labelmap)\/([\w-]{1,200})$/);
    if (voxels) {
      try {
        const body = voxelBytes(workstation, voxels[1], voxels[2]);
        response.writeHead(200, {
          ...headers,
          'Content-Type': 'application/octet-stream',
          'Cache-Control': 'no-store',
        });
        return response.end(body);
      } catch (error) {
        return refuse(response, 404, error instanceof ApiError ? error.message : 'not found');
      }
    }
    const file = await readStatic(staticDir, url.pathname);
    if (!file) return refuse(response, 404, `not found: ${url.pathname}`);
    response.writeHead(200, { ...headers, 'Content-Type': file.type });
    response.end(file.body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        refuse(response, 500, error instanceof Error ? error.message : 'internal error');
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (
      url.pathname !== '/api' ||
      !isLocalRequest(request, port) ||
      !isAuthorised(request, url, token)
    ) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws));
  });
  sockets.on('connection', (ws) => {
    const send = (message: ServerMessage) => ws.send(JSON.stringify(message));
    const unsubscribe = workstation.onEvent((event) => send({ kind: 'event', event }));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      void dispatchText(workstation, text).then(send);
    });
    ws.on('close', unsubscribe);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
