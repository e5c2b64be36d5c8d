// What the window may load and be granted, apart from Electron's module so that it can be unit
// tested where Electron's binary is absent.
import { APP_ORIGIN } from './ipcChannels';

/** Our own page, served on app://workstation/; nothing else is ever loaded in the window. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * Permissions the page may have: only writing to the clipboard, and only our own page. The
 * workstation needs none of the others (camera, geolocation, notifications, HID, serial, ...),
 * so every other request and check is refused, whoever asks.
 */
const ALLOWED = new Set(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string): boolean {
  return ALLOWED.has(permission) && isAppUrl(requestingUrl);
}
