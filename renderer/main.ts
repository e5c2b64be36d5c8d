// The page's entry. It imports nothing itself, so that the browser fetches the small start (the
// api: list and open the series) and the large workstation (Cornerstone3D, the panels) at once,
// and the start runs while the workstation is still loading and compiling.
const workstation = import('./workstation');
import('./start').then(
  ({ start }) => start(workstation),
  (error: unknown) => {
    const line = document.querySelector('[data-testid="series-name"]');
    if (line) line.textContent = `The page did not load: ${String(error)}`;
  },
);
