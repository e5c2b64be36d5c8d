// The packaging config as electron-builder itself reads and validates it: the fuses that close
// ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect, and tie the app to its checked app.asar.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(dir: string, path: string | null, options: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util/out/DebugLogger') as {
  DebugLogger: new (enabled: boolean) => unknown;
};

test('electron-builder.yml is valid and flips the security fuses', async () => {
  const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
  await validateConfiguration(config, new DebugLogger(false));
  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
  // the integrity fuse means something only while the hash is embedded
  assert.notEqual(
    (config.asar as { disableIntegrity?: boolean } | undefined)?.disableIntegrity,
    true,
  );
});

test('a misspelt fuse is refused by the same validation', async () => {
  const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
  const broken = { ...config, electronFuses: { runAsNod: false } };
  await assert.rejects(
    validateConfiguration(broken, new DebugLogger(false)),
    /configuration\.electronFuses/,
  );
});
