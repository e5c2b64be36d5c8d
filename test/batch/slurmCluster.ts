import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch'];

/** Why a Slurm cluster cannot be started here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  const missing = DAEMONS.filter((d) => !existsSync(d));
  if (missing.length) return `${missing.join(', ')} missing (Debian packages slurm-wlm and munge)`;
  if (process.getuid?.() !== 0) return 'slurmd runs jobs as their user: this needs root';
  return undefined;
}

export interface SlurmCluster {
  /** the environment Slurm's commands need (SLURM_CONF, munge's socket) */
  env: NodeJS.ProcessEnv;
  /** runs a Slurm command (sbatch, squeue, scancel, ...) and returns its stdout; throws on failure */
  run(command: string, args: string[]): string;
  stop(): void;
}

function waitFor(what: string, ok: () => boolean, ms: number): void {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms / 1000} s`);
    spawnSync('sleep', ['0.2']);
  }
}

/**
 * A real single-node Slurm cluster (slurmctld + slurmd, munge for authentication), everything in
 * a temp folder: key, sockets, state, spool, logs. No cgroups (proctrack/linuxproc): it runs in
 * a container. Start it only inside a loopback-only network namespace: its ports are then
 * reachable from nowhere else.
 */
export function startSlurm(cpus = 2): SlurmCluster {
  const dir = mkdtempSync(join(tmpdir(), 'slurm-'));
  chmodSync(dir, 0o700);
  const node = hostname().split('.')[0];
  for (const sub of ['state', 'spool', 'munge']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge', 'munge.socket');
  const munged = spawnSync(
    '/usr/sbin/munged',
    [
      '--key-file',
      key,
      '--socket',
      socket,
      '--pid-file',
      join(dir, 'munge', 'munged.pid'),
      '--log-file',
      join(dir, 'munge', 'munged.log'),
      '--seed-file',
      join(dir, 'munge', 'munged.seed'),
      '--force',
    ],
    { encoding: 'utf8' },
  );
  if (munged.status !== 0) throw new Error(`munged did not start: ${munged.stderr}`);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=test',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `AuthInfo=socket=${socket}`,
      `CredType=cred/munge`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'SlurmctldPort=16817',
      'SlurmdPort=16818',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      // scancel: SIGTERM, then SIGKILL after this many seconds (Slurm's default is 30; 10 was
      // too short for a task to finish its series and release its claim on a loaded CI machine)
      'KillWait=60',
      'SchedulerType=sched/backfill',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=4096 State=UNKNOWN`,
      // the 3 tasks of a test array run at once on this 2-core node, as on 3 nodes
      `PartitionName=batch Nodes=${node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const pidOf = (file: string) =>
    existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  const stop = () => {
    for (const file of ['slurmd.pid', 'slurmctld.pid', 'munge/munged.pid']) {
      const pid = pidOf(join(dir, file));
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  };
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { env, encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}${result.error ?? ''}`);
    return result.stdout;
  };
  try {
    for (const daemon of ['/usr/sbin/slurmctld', '/usr/sbin/slurmd']) {
      const started = spawnSync(daemon, ['-f', conf], { env, encoding: 'utf8' });
      if (started.status !== 0) throw new Error(`${daemon} did not start: ${started.stderr}`);
    }
    waitFor(
      'the node did not come up idle',
      () => {
        const state = spawnSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' });
        return state.status === 0 && state.stdout.trim() === 'idle';
      },
      30_000,
    );
  } catch (error) {
    const logs = ['slurmctld.log', 'slurmd.log']
      .map((f) => join(dir, f))
      .filter(existsSync)
      .map((f) => `${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`);
    stop();
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`, { cause: error });
  }
  return { env, run, stop };
}
