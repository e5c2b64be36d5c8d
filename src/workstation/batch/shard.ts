/** Which part of the list this worker does: shard `index` of `count` (0-based). */
export interface Shard {
  index: number;
  count: number;
  /** where it came from, for messages */
  from: string;
}

export class ShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

function whole(value: string, what: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new ShardError(`${what} is a whole number, not "${value}"`);
  return Number(value);
}

/**
 * `--shard I/N` (0-based), else a Slurm array task's own (SLURM_ARRAY_TASK_ID less
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), else the whole list.
 */
export function shardOf(option: string | undefined, env: NodeJS.ProcessEnv): Shard {
  if (option !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(option.trim());
    if (!match) throw new ShardError(`--shard is I/N (e.g. 0/4), not "${option}"`);
    const [index, count] = [Number(match[1]), Number(match[2])];
    if (count < 1 || index >= count)
      throw new ShardError(`--shard ${option}: I runs from 0 to N-1, and N is at least 1`);
    return { index, count, from: `--shard ${option}` };
  }
  const id = env.SLURM_ARRAY_TASK_ID;
  const total = env.SLURM_ARRAY_TASK_COUNT;
  if (id === undefined || total === undefined) return { index: 0, count: 1, from: 'no shard' };
  const min = env.SLURM_ARRAY_TASK_MIN ?? '0';
  const index = whole(id, 'SLURM_ARRAY_TASK_ID') - whole(min, 'SLURM_ARRAY_TASK_MIN');
  const count = whole(total, 'SLURM_ARRAY_TASK_COUNT');
  if (count < 1 || index < 0 || index >= count) {
    throw new ShardError(
      `Slurm array task ${id} (first ${min}) of ${total}: the array must be contiguous, e.g. --array=0-${Math.max(count - 1, 0)}`,
    );
  }
  return { index, count, from: `Slurm array task ${id} of ${total}` };
}

/**
 * This shard's part of the list: the items sorted by key, every count-th from index. The same
 * list gives every worker the same split, whatever order its source listed it in.
 */
export function inShard<T extends { key: string }>(items: T[], shard: Shard): T[] {
  return [...items]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter((_, n) => n % shard.count === shard.index);
}
