// Imported first by main.ts, so it runs before any other module of jobdone: from the moment a
// JavaScript listener for SIGUSR1 exists, Node's own handler (which opens the inspector, a
// debugger that runs any code as jobdone) is replaced. A SIGUSR1 that arrives before the job
// has started is kept here and handed to forwardSignals, which delivers it to the job.
// The moments before this module runs are covered by how dist/jobdone is built: its inspector
// may only listen on ff0e::1, a multicast address no TCP socket can bind whatever the pod's
// network looks like, so starting it fails (scripts/build.mjs).

let early = 0;
const countEarly = (): void => {
  early += 1;
};
process.on('SIGUSR1', countEarly);

/**
 * Called by forwardSignals once its own SIGUSR1 listener is in place (never before: with no
 * listener at all, SIGUSR1 falls back to Node's default), returns how many arrived until now.
 */
export function takeEarlySigusr1(): number {
  process.off('SIGUSR1', countEarly);
  const count = early;
  early = 0;
  return count;
}
