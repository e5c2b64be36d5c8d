/** What globalSetup learnt about the running host. */
export function hostEnv(): {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  exportDir: string;
} {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: is e2e/globalSetup.ts configured?`);
    return value;
  };
  return {
    url: read('WORKSTATION_URL'),
    origin: read('WORKSTATION_ORIGIN'),
    token: read('WORKSTATION_TOKEN'),
    dataDir: read('WORKSTATION_DATA_DIR'),
    exportDir: read('WORKSTATION_EXPORT_DIR'),
  };
}
