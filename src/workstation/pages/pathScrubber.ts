/**
 * Replaces the host's own folders (the data folder, where uploads and the library live) in text
 * bound for the page by a name, so that no error or event tells a page where the data lies on
 * disk. Works on JSON text too: each folder is matched as JSON would escape it as well.
 */
export function pathScrubber(folders: Record<string, string>): (text: string) => string {
  const pairs = Object.entries(folders)
    .filter(([, folder]) => folder.length > 1)
    .flatMap(([name, folder]) => [
      [JSON.stringify(folder).slice(1, -1), name],
      [folder, name],
    ])
    // the longest first, so that a folder inside another is named by its own name
    .sort((a, b) => (b[0]?.length ?? 0) - (a[0]?.length ?? 0));
  return (text) => pairs.reduce((t, [folder = '', name = '']) => t.split(folder).join(name), text);
}
