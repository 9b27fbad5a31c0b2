// `jobdone ps`: the same look at the pod as a run (lookAtPod), printed instead of carried out.
// It runs beside a live jobdone (kubectl exec), so its own container is jobdone's container and
// the plan is the one "after the job": what the running jobdone would do to each sidecar, in which
// phase, and what recognition takes each for.
import type { PsConfig } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { ExitCode } from '../exit-codes.ts';
import { lookAtPod } from '../stop/look-at-pod.ts';
import { phasesOf } from '../stop/phases.ts';
import { phaseInputs } from '../stop/stop-sidecars.ts';
import { formatPsJson, formatPsText, psView, type Probe } from './view.ts';

/** kill(pid, 0): permission and existence are checked, nothing is sent. */
export const killProbe: Probe = (pid) => {
  try {
    process.kill(pid, 0);
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'eperm' : 'gone';
  }
};

export function runPs(config: PsConfig, log: Logger, write: (text: string) => void = (text) => void process.stdout.write(text)): number {
  let look;
  try {
    look = lookAtPod(config.stop, { procRoot: config.procRoot, selfPid: process.pid });
  } catch (error) {
    log.error(`cannot read ${config.procRoot}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; is --proc-root right?`);
    return ExitCode.jobdoneError;
  }
  const phased = phasesOf(look.plan.groups, phaseInputs(config.stop, { procRoot: config.procRoot, calls: config.calls ?? [] }));
  const view = psView(look.pod, { ...look.plan, groups: phased.groups }, killProbe, phased);
  write(config.json ? formatPsJson(view) : formatPsText(view));
  return 0;
}
