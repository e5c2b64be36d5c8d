// Runs before any test: names the Debian packages the tests need that this machine lacks, and
// the one command that installs them (.ci/run installs them itself).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const wanted = readFileSync(new URL('./debian-packages.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

const probe = spawnSync('dpkg-query', ['--version'], { encoding: 'utf8' });
if (probe.error) {
  console.warn(
    `npm test: dpkg-query is not here, so the Debian packages cannot be checked; the tests need: ${wanted.join(' ')}`,
  );
  process.exit(0);
}
const missing = wanted.filter((pkg) => {
  const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return !status.stdout.includes('install ok installed');
});
if (missing.length) {
  console.error(`npm test: these Debian packages are missing: ${missing.join(' ')}`);
  console.error(`install them (as root) with: apt-get install -y ${missing.join(' ')}`);
  console.error('(or run `bash .ci/run`, which installs them and runs the tests)');
  process.exit(1);
}
