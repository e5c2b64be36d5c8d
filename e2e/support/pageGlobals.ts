/**
 * The browser globals that page.evaluate callbacks use. The Node tsconfig that checks e2e/ has
 * no DOM lib (so the core cannot use the DOM by accident); callbacks take these from globalThis.
 */
export interface PageGlobals {
  document: { body: { dataset: Record<string, string | undefined> } };
  location: { host: string };
}
