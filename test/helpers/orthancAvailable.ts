import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/**
 * Why PACS tests against a real Orthanc cannot run here, or undefined when they can. Orthanc
 * listens on every interface and cannot be told otherwise, so it only ever runs inside a
 * private network namespace holding nothing but loopback (unshare, which needs root or user
 * namespaces).
 */
export function orthancUnavailable(): string | undefined {
  if (!existsSync('/usr/sbin/Orthanc')) return 'Orthanc is not installed (Debian package orthanc)';
  if (!existsSync(PLUGIN))
    return 'the DICOMweb plugin is not installed (Debian package orthanc-dicomweb)';
  const probe = spawnSync(
    'unshare',
    ['--net', '--pid', '--fork', '--kill-child', 'sh', '-c', 'ip link set lo up'],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    return `no private network namespace (unshare: ${probe.error?.message ?? probe.stderr.trim()})`;
  }
  return undefined;
}
