import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ApiError } from '../api/errors';
import type { Workstation } from '../workstation/Workstation';
import { MAX_FRAME_BYTES, serveApiSocket } from './apiSocket';
import { TOKEN_COOKIE, isAuthorised, isLocalRequest, newToken } from './auth';
import { UploadError, UploadReceiver } from './libraryRoutes';
import type { UploadLimits } from './libraryRoutes';
import { pathScrubber } from '../workstation/pages/pathScrubber';
import { securityHeaders } from './securityHeaders';
import { SegmentationDownloads, handleSegmentationDownload } from './segmentationDownload';
import { handleSegmentationUpload } from './segmentationUpload';
import { readStatic } from '../workstation/pages/rendererFiles';

export interface HostOptions {
  workstation: Workstation;
  /** the built renderer (build/renderer) */
  staticDir: string;
  /** 0 picks a free port */
  port: number;
  /** browser uploads; default UPLOAD_LIMITS */
  uploadLimits?: UploadLimits;
}

export interface Host {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function voxelBytes(workstation: Workstation, kind: string, id: string): Buffer {
  const data = kind === 'volume' ? workstation.volume(id).voxels : workstation.labelmap(id);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The bytes of an upload, refused as soon as they outgrow the labelmap of the named volume. */
async function readBody(
  request: IncomingMessage,
  workstation: Workstation,
  url: URL,
): Promise<Uint8Array> {
  const [columns, rows, slices] = workstation.volume(url.searchParams.get('volumeId') ?? '')
    .geometry.dimensions;
  const expected = columns * rows * slices;
  const body = new Uint8Array(expected);
  let received = 0;
  // Read to the end, keeping at most what fits: the answer then reaches the client in order.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (received + chunk.length <= expected) body.set(chunk, received);
    received += chunk.length;
  }
  if (received !== expected) {
    throw new ApiError(
      'bad_request',
      `the labelmap has ${received} voxels, its volume ${expected}`,
    );
  }
  return body;
}

/** Whether every %-escape of a path decodes (to UTF-8): one that does not is the client's error. */
function decodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
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
  const uploads = new UploadReceiver(() => workstation.library, options.uploadLimits);
  const scrub = pathScrubber({ '<data folder>': workstation.dataDir });
  const downloads = new SegmentationDownloads(workstation);

  const refuse = (response: ServerResponse, status: number, message: string) => {
    // an upload that is refused unread is drained, so that the client sees the answer
    response.req.resume();
    response.writeHead(status, {
      ...securityHeaders(port),
      'Content-Type': 'text/plain; charset=utf-8',
    });
    response.end(scrub(message));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (!isLocalRequest(request, port))
      return refuse(response, 403, 'forbidden: not a local request');
    if (!isAuthorised(request, url, token))
      return refuse(response, 401, 'unauthorised: the per-run token is missing or wrong');
    if (!decodable(url.pathname)) return refuse(response, 400, 'bad request: malformed %-escape');
    const headers = securityHeaders(port);
    // the raw path: URL parsing would resolve "..", which the upload route must see to refuse
    const upload = (request.url ?? '').match(/^\/uploads\/([\w-]{1,64})\/([^?#]+)/);
    if (request.method === 'PUT' && upload) {
      try {
        await uploads.receive(request, upload[1] ?? '', upload[2] ?? '');
      } catch (error) {
        const status = error instanceof UploadError ? error.status : 500;
        return refuse(response, status, error instanceof Error ? error.message : 'bad upload');
      }
      response.writeHead(204, { ...headers, 'Cache-Control': 'no-store' });
      return response.end();
    }
    if (
      await handleSegmentationUpload(
        request,
        response,
        url,
        workstation.segmentationUploads,
        headers,
      )
    )
      return;
    if (await handleSegmentationDownload(request, response, url, downloads, headers, scrub)) return;
    if (request.method === 'PUT') {
      const target = url.pathname.match(/^\/voxels\/labelmap\/([\w-]{1,200})$/);
      if (!target) return refuse(response, 405, 'method not allowed');
      try {
        // an edited labelmap from the UI, held by the core under the id the UI chose
        workstation.putLabelmap(
          target[1] ?? '',
          url.searchParams.get('volumeId') ?? '',
          await readBody(request, workstation, url),
        );
      } catch (error) {
        const status = error instanceof ApiError && error.code === 'not_found' ? 404 : 400;
        return refuse(response, status, error instanceof Error ? error.message : 'bad request');
      }
      response.writeHead(204, { ...headers, 'Cache-Control': 'no-store' });
      return response.end();
    }
    if (request.method !== 'GET') return refuse(response, 405, 'method not allowed');
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
          'Content-Length': body.byteLength,
          'Cache-Control': 'no-store',
        });
        return response.end(body);
      } catch (error) {
        return refuse(response, 404, error instanceof ApiError ? error.message : 'not found');
      }
    }
    const thumbnail = url.pathname.match(/^\/thumbnails\/([0-9a-f]{32})\.png$/);
    if (thumbnail) {
      const png = workstation.library.thumbnail(thumbnail[1] ?? '');
      if (!png) return refuse(response, 404, 'no such thumbnail');
      response.writeHead(200, {
        ...headers,
        'Content-Type': 'image/png',
        'Cache-Control': 'no-cache',
      });
      return response.end(png);
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
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
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
  sockets.on('connection', (ws) => serveApiSocket(ws, workstation, scrub));

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
      await downloads.close();
    },
  };
}
