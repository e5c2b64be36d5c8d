import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'workstation_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return value.join('=');
  }
  return undefined;
}

/** The token from the URL's query, the Authorization header or the cookie, if it is right. */
export function isAuthorised(request: IncomingMessage, url: URL, token: string): boolean {
  const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
  return [url.searchParams.get('token') ?? undefined, bearer, cookieToken(request)].some((t) =>
    sameToken(t, token),
  );
}

/**
 * Only our own origin may talk to us: a Host header that is not 127.0.0.1:port or
 * localhost:port is a DNS-rebinding attempt, and a foreign Origin a cross-site page.
 */
export function isLocalRequest(request: IncomingMessage, port: number): boolean {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!allowed.includes(request.headers.host ?? '')) return false;
  const origin = request.headers.origin;
  return origin === undefined || allowed.some((a) => origin === `http://${a}`);
}
