import { randomUUID } from 'node:crypto';

/** A folder name from a model name: readable, safe on every file system, unique. */
export function folderName(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'model';
  return `${slug}-${randomUUID().slice(0, 8)}`;
}
