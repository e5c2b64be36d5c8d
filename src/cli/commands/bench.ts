import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../../workstation/paths';
import { ExitCode } from '../exitCodes';

const BENCH_DIR = join(APP_ROOT, 'bench');

function available(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

export function benchHelp(): string {
  return `Usage: cli bench <name> [options of that benchmark]

Runs bench/<name>.ts: each benchmark measures the workstation against its peer (PyTorch on CPU,
dcm2niix, a bare Cornerstone3D page) in the same run and prints times and ratios.
\`cli bench <name> --help\` shows a benchmark's own options.

Benchmarks: ${available().join(', ')}

Exit codes: 0 done, 1 the benchmark failed, 2 no such benchmark, 130 interrupted.`;
}

/** `cli bench <name>`: the benchmark script in a child process, its output as it comes. */
export async function runBench(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(benchHelp());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const script = join(BENCH_DIR, `${name}.ts`);
  if (!/^[\w-]+$/.test(name) || !existsSync(script)) {
    console.error(`no benchmark named "${name}"\n\n${benchHelp()}`);
    return ExitCode.usage;
  }
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...rest], {
    stdio: 'inherit',
    cwd: APP_ROOT,
  });
  if (run.signal === 'SIGINT') return ExitCode.cancelled;
  return run.status ?? ExitCode.failed;
}
