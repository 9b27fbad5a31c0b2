import { envName, optionSpecs, type Subcommand } from '../config/options.ts';
import { presetsHelp } from '../config/presets.ts';

const usage: Record<Subcommand, string> = {
  run: `Usage: jobdone [options] -- CMD [ARGS...]
       jobdone [options] CMD [ARGS...]      (when CMD is not a subcommand: ps, sidecar, install, inject)

Runs CMD as the job of a Kubernetes pod, forwards signals to it, and when it ends
stops the pod's other containers (sidecars) through the shared /proc
(shareProcessNamespace: true), then exits with the job's status.`,
  ps: 'Usage: jobdone ps [options]\n\nShows the processes visible from here and what jobdone would do to each after the job.',
  sidecar: 'Usage: jobdone sidecar [options] -- CMD [ARGS...]\n\nRuns a sidecar; a stop requested by a signal exits 0.',
  install: 'Usage: jobdone install DIR\n\nCopies this jobdone into DIR (for an initContainer and an emptyDir).',
  inject: `Usage: jobdone inject [options] [FILE...]      (no FILE or -: stdin)

Writes the manifests to stdout with jobdone put into every batch/v1 Job and CronJob and
every v1 Pod with restartPolicy Never or OnFailure: shareProcessNamespace: true, the job
container's command wrapped as /jobdone/jobdone [options] -- COMMAND (args untouched),
and jobdone brought in as --via says. Every other document passes through byte for byte
(a Helm post-renderer: helm template ... | jobdone inject). One line on stderr per
decision; on any error nothing is written to stdout and the exit status is 125.
A run's options given here (--grace, --timeout, --preset, ...) go into the wrapped
command (from flags only, never from JOBDONE_* variables). A document or pod template
annotated jobdone/inject: "false" is left unchanged.`,
};

export const exitCodeTable: ReadonlyArray<readonly [string, string]> = [
  ['0-123, 128+', "the job's own exit code"],
  ['128+N', 'the job died of signal N (e.g. 137 = SIGKILL, 143 = SIGTERM)'],
  ['124', 'a readiness gate or --timeout ran out'],
  ['125', 'jobdone itself failed: bad option, bad JOBDONE_* value, missing command; nothing was run (inject: nothing written)'],
  ['126', 'the command was found but cannot be executed'],
  ['127', 'the command was not found'],
];

export function helpText(subcommand: Subcommand): string {
  const lines = [usage[subcommand], '', 'Options (every option can also be set as an environment variable; a flag beats it):'];
  for (const spec of optionSpecs.filter((candidate) => candidate.for.includes(subcommand))) {
    const names = `${spec.short ? `-${spec.short}, ` : ''}--${spec.name}${spec.metavar ? ` ${spec.metavar}` : ''}`;
    const env = spec.noEnv ? '' : ` [${envName(spec)}]`;
    const fallback = spec.defaultText ? ` (default ${spec.defaultText})` : '';
    lines.push(`  ${names}`, `      ${spec.help}${fallback}${env}`);
  }
  if (subcommand === 'run') lines.push('', ...presetsHelp());
  lines.push('', 'Exit status:');
  for (const [code, meaning] of exitCodeTable) lines.push(`  ${code.padEnd(12)} ${meaning}`);
  return lines.join('\n') + '\n';
}
