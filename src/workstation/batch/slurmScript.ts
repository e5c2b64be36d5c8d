export interface SlurmScriptOptions {
  /** array tasks: the series list is split into this many shards */
  tasks: number;
  partition?: string;
  /** GPUs per task (0: none asked; the engine then runs on the CPU) */
  gpus: number;
  cpus?: number;
  /** Slurm's time format, e.g. 02:00:00 */
  time?: string;
  /** Slurm's memory format, e.g. 16G */
  mem?: string;
  jobName: string;
  /** where each task's log goes (the folder must exist when sbatch runs) */
  logDir: string;
  /** the folder the tasks start in */
  cwd: string;
  /** the command a task runs: the same batch, which reads its shard from Slurm's variables */
  command: string[];
}

/** Quoted for bash: single quotes, with each ' inside written as '\''. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * An sbatch job-array script: task i of N runs the batch on shard i/N (each task reads
 * SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT itself), and every task's log goes to logDir.
 * The engine picks its execution provider on the node it lands on (CUDA where the node has it).
 */
export function slurmScript(o: SlurmScriptOptions): string {
  const directives = [
    `--job-name=${o.jobName}`,
    `--array=0-${o.tasks - 1}`,
    `--output=${o.logDir}/%A_%a.log`,
    '--ntasks=1',
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.gpus > 0 ? [`--gpus-per-task=${o.gpus}`] : []),
    ...(o.cpus ? [`--cpus-per-task=${o.cpus}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
  ];
  return [
    '#!/bin/bash',
    '# Written by `cli batch --slurm-script`: submit with `sbatch <this file>`. Resubmitting is',
    '# safe: the ledger skips series that are done and claims keep two tasks off one series.',
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -euo pipefail',
    `cd ${shellQuote(o.cwd)}`,
    `exec ${o.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}
