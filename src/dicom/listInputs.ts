import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import dicomParser from 'dicom-parser';
import { unzipSync } from 'fflate';
import { DicomReadError } from './DicomReadError';
import { diskFile, memoryFile } from './FileSource';
import type { FileSource } from './FileSource';
import { errorMessage } from '../errors/errorMessage';

export interface Inputs {
  /** candidate DICOM files */
  files: FileSource[];
  /** NIfTI files (.nii, .nii.gz): read by the NIfTI reader, not scanned as DICOM */
  nifti: FileSource[];
  /** what could not be listed: unreadable folders, bad zip entries, files a DICOMDIR lacks */
  issues: DicomReadError[];
}

function isNifti(name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name);
}

function isZip(source: FileSource): boolean {
  if (!/\.zip$/i.test(source.path)) return false;
  const head = source.head(4);
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** An entry name that would leave the archive's folder if extracted ("zip slip"). */
function climbsOut(name: string): boolean {
  const normal = posix.normalize(name.replace(/\\/g, '/'));
  return (
    normal.startsWith('/') || /^[a-z]:/i.test(normal) || normal === '..' || normal.startsWith('../')
  );
}

/** The entries of a zip, read into memory (they are never extracted to disk). */
function zipEntries(source: FileSource, out: Inputs): void {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(source.all());
  } catch (error) {
    out.issues.push(
      new DicomReadError(
        source.path,
        `not a readable zip archive (${errorMessage(error)})`,
        'malformed',
      ),
    );
    return;
  }
  for (const name of Object.keys(entries).sort()) {
    if (name.endsWith('/')) continue;
    const path = `${source.path}/${name}`;
    if (climbsOut(name)) {
      out.issues.push(
        new DicomReadError(
          path,
          `zip entry "${name}" climbs out of the archive's folder: refused`,
          'malformed',
        ),
      );
      continue;
    }
    const entry = memoryFile(path, entries[name]);
    (isNifti(name) ? out.nifti : out.files).push(entry);
  }
}

/** The image files a DICOMDIR lists, as paths under its folder; undefined if it cannot be read. */
function dicomdirFiles(path: string): string[] | undefined {
  try {
    const dataSet = dicomParser.parseDicom(readFileSync(path));
    const records = dataSet.elements['x00041220']?.items ?? [];
    return records
      .map((item) => item.dataSet?.string('x00041500'))
      .filter((id): id is string => !!id)
      .map((id) => id.trim().split('\\').join(sep));
  } catch {
    return undefined;
  }
}

/** A DICOMDIR names files in upper case (ISO 9660); find each as the disk spells it. */
function resolveCaseInsensitive(folder: string, relative: string): string | undefined {
  let current = folder;
  for (const part of relative.split(sep)) {
    const exact = join(current, part);
    if (existsSync(exact)) {
      current = exact;
      continue;
    }
    const match = readdirSync(current).find((n) => n.toUpperCase() === part.toUpperCase());
    if (!match) return undefined;
    current = join(current, match);
  }
  return current;
}

/**
 * Expands files, folders (recursively) and zip archives into the files to scan. A folder with a
 * readable DICOMDIR contributes the files it lists (and the DICOMDIR itself, to be counted).
 */
export function listInputs(paths: string[]): Inputs {
  const out: Inputs = { files: [], nifti: [], issues: [] };
  const visited = new Set<string>();
  const addFile = (path: string, size: number) => {
    const source = diskFile(path, size);
    if (isNifti(path)) out.nifti.push(source);
    else if (isZip(source)) zipEntries(source, out);
    else out.files.push(source);
  };
  const visit = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      out.issues.push(new DicomReadError(path, `cannot read (${errorMessage(error)})`, 'io'));
      return;
    }
    if (stat.isFile()) return addFile(path, stat.size);
    if (!stat.isDirectory()) return;
    // Links are followed, so a link to a folder above would loop: each folder is read once.
    const real = realpathSync(path);
    if (visited.has(real)) return;
    visited.add(real);
    const names = readdirSync(path).sort();
    const dicomdir = names.find((n) => n.toUpperCase() === 'DICOMDIR');
    const listed = dicomdir ? dicomdirFiles(join(path, dicomdir)) : undefined;
    if (dicomdir && listed && listed.length > 0) {
      addFile(join(path, dicomdir), statSync(join(path, dicomdir)).size);
      for (const relative of listed) {
        const file = resolveCaseInsensitive(path, relative);
        if (file) addFile(file, statSync(file).size);
        else
          out.issues.push(
            new DicomReadError(join(path, relative), 'listed in the DICOMDIR but absent', 'io'),
          );
      }
      return;
    }
    for (const name of names) visit(join(path, name));
  };
  for (const path of paths) visit(path);
  return out;
}
