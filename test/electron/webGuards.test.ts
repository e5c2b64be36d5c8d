import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppUrl, permissionAllowed } from '../../electron/webGuards';

test('only our own app:// origin counts as the app, however the URL is dressed up', () => {
  assert.equal(isAppUrl('app://workstation/index.html'), true);
  assert.equal(isAppUrl('app://workstation/assets/x.js?y#z'), true);
  for (const url of [
    'app://workstation.evil.example/index.html',
    'app://evil/index.html',
    'https://workstation/index.html',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://workstation@evil.example/',
    'not a url',
    '',
  ]) {
    assert.equal(isAppUrl(url), false, url);
  }
});

test('no permission is granted to any page but a clipboard write from our own', () => {
  for (const permission of [
    'media',
    'geolocation',
    'notifications',
    'midi',
    'hid',
    'serial',
    'usb',
    'openExternal',
    'fullscreen',
    'clipboard-read',
  ]) {
    assert.equal(permissionAllowed(permission, 'app://workstation/index.html'), false, permission);
  }
  assert.equal(permissionAllowed('clipboard-sanitized-write', 'app://workstation/'), true);
  assert.equal(permissionAllowed('clipboard-sanitized-write', 'https://evil.example/'), false);
});
