/**
 * Whether a mouse button is held on the page (a brush stroke, a drag), and a way to run work once
 * it is released. Whole-volume passes (segment volumes, autosave's copy and upload) wait for the
 * end of a stroke: on a 500-slice series each one costs more than a frame, and running them
 * mid-stroke is what makes a brush lag.
 */
let held = false;
const waiting = new Set<() => void>();

function release(): void {
  held = false;
  const due = [...waiting];
  waiting.clear();
  for (const run of due) run();
}

document.addEventListener('pointerdown', () => (held = true), true);
document.addEventListener('pointerup', release, true);
document.addEventListener('pointercancel', release, true);
// a button released outside the window is not always reported: losing focus ends the stroke too
window.addEventListener('blur', release);

export function pointerHeld(): boolean {
  return held;
}

/** Runs `work` now, or when the held button is released (once, however often it is asked). */
export function whenPointerFree(work: () => void): void {
  if (held) waiting.add(work);
  else work();
}
