import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { hostEnv } from './support/env';

/** Opens a socket to the host's api; resolves 'open' or the HTTP status it was refused with. */
function trySocket(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

test('a request without the token is refused', async ({ playwright, browser }) => {
  const { origin, token } = hostEnv();
  const anonymous = await playwright.request.newContext();
  try {
    for (const path of ['/', '/index.html', '/voxels/volume/anything', '/?token=wrong']) {
      const response = await anonymous.get(origin + path);
      expect([401, 403], `GET ${path} without the token`).toContain(response.status());
      expect(await response.text()).not.toContain('<script');
    }
    const wrong = await anonymous.get(`${origin}/`, {
      headers: { Authorization: 'Bearer not-the-token' },
    });
    expect([401, 403]).toContain(wrong.status());
    // The same request with the token is served: what was refused above was the missing token.
    const right = await anonymous.get(`${origin}/`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(right.status()).toBe(200);
    expect(await right.text()).toContain('ACS Workstation');
  } finally {
    await anonymous.dispose();
  }

  const api = `${origin.replace(/^http/, 'ws')}/api`;
  expect(await trySocket(api)).toBe(401);
  expect(await trySocket(api, { Authorization: 'Bearer not-the-token' })).toBe(401);
  expect(await trySocket(api, { Authorization: `Bearer ${token}` })).toBe('open');

  // A browser that opens the app without the token gets no app.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const response = await page.goto(`${origin}/`);
    expect(response?.status()).toBe(401);
    await expect(page.getByTestId('viewport-axial')).toHaveCount(0);
  } finally {
    await context.close();
  }
});
