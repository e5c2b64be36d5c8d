import type { Page } from '@playwright/test';

/**
 * Sends raw text frames over a fresh WebSocket opened from inside the page (its cookie authorises
 * it), one at a time, and returns the parsed response to each. Events on that socket are skipped.
 */
export function exchangeFrames(page: Page, frames: string[]): Promise<unknown[]> {
  return page.evaluate(async (texts) => {
    const socket = new WebSocket(`ws://${location.host}/api`);
    const queue: unknown[] = [];
    let wake: (() => void) | null = null;
    socket.onmessage = (message) => {
      const parsed = JSON.parse(String(message.data)) as { kind?: string };
      if (parsed.kind === 'response') {
        queue.push(parsed);
        wake?.();
      }
    };
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('the page could not open a socket to /api'));
    });
    const responses: unknown[] = [];
    for (const text of texts) {
      socket.send(text);
      while (queue.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer to ${text}`)), 30_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      responses.push(queue.shift());
    }
    socket.close();
    return responses;
  }, frames);
}

/** One api command over a fresh socket from the page; throws on an error response. */
export async function callFromPage<T>(page: Page, command: string, params: unknown): Promise<T> {
  const [response] = (await exchangeFrames(page, [JSON.stringify({ id: 1, command, params })])) as {
    ok: boolean;
    result?: T;
    error?: { code: string; message: string };
  }[];
  if (!response?.ok) throw new Error(`${command}: ${JSON.stringify(response?.error)}`);
  return response.result as T;
}
