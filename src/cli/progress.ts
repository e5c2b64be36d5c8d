/** Progress for a terminal (a bar redrawn in place) or, when piped, one JSON object a line. */
export interface ProgressReporter {
  update(phase: string, done: number, total: number, etaSeconds: number | null): void;
  message(text: string, fields?: Record<string, unknown>): void;
  finish(): void;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) {
    return {
      update: (phase, done, total, etaSeconds) =>
        stream.write(`${JSON.stringify({ event: 'progress', phase, done, total, etaSeconds })}\n`),
      message: (text, fields = {}) =>
        stream.write(`${JSON.stringify({ event: 'message', text, ...fields })}\n`),
      finish: () => undefined,
    };
  }
  let drawn = false;
  return {
    update(phase, done, total, etaSeconds) {
      const width = 30;
      const filled = total ? Math.round((width * done) / total) : 0;
      const eta = etaSeconds === null ? '' : ` ETA ${Math.ceil(etaSeconds)} s`;
      stream.write(
        `\r${phase} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${eta}  `,
      );
      drawn = true;
    },
    message(text) {
      if (drawn) stream.write('\n');
      drawn = false;
      stream.write(`${text}\n`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
