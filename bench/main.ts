// `npm run bench -- <name> [args]` runs bench/<name>.ts: each benchmark is a script of its own, so
// one can be run, profiled or read alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
  .map((f) => f.replace(/\.ts$/, ''));
const [name, ...args] = process.argv.slice(2);
const names = name ? [name] : available;

for (const bench of names) {
  const script = join(here, `${bench}.ts`);
  if (!existsSync(script)) {
    console.error(`No benchmark named "${bench}". Available: ${available.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== bench ${bench} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
