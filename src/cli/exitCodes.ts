/** Exit codes a script can act on. */
export const ExitCode = {
  ok: 0,
  /** the job or an input failed; the message says which */
  failed: 1,
  /** bad command line */
  usage: 2,
  /** an input (file, case, model) cannot be used; the message names it and why */
  badInput: 3,
  /** the user cancelled (Ctrl-C) */
  cancelled: 130,
} as const;
