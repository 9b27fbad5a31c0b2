import { envName, optionSpecs, type Subcommand } from './options.ts';
import { presetsHelp } from './presets.ts';

const usage: Record<Subcommand, string> = {
  run: `Usage: jobdone [options] -- CMD [ARGS...]
       jobdone [options] CMD [ARGS...]      (when CMD is not a subcommand: ps, sidecar, install)

Runs CMD as the job of a Kubernetes pod, forwards signals to it, and when it ends
stops the pod's other containers (sidecars) through the shared /proc
(shareProcessNamespace: true), then exits with the job's status.`,
  ps: 'Usage: jobdone ps [options]\n\nShows the processes visible from here and what jobdone would do to each after the job.',
  sidecar: 'Usage: jobdone sidecar [options] -- CMD [ARGS...]\n\nRuns a sidecar; a stop requested by a signal exits 0.',
  install: 'Usage: jobdone install DIR\n\nCopies this jobdone into DIR (for an initContainer and an emptyDir).',
};

export const exitCodeTable: ReadonlyArray<readonly [string, string]> = [
  ['0-123, 128+', "the job's own exit code"],
  ['128+N', 'the job died of signal N (e.g. 137 = SIGKILL, 143 = SIGTERM)'],
  ['124', 'a readiness gate or --timeout ran out'],
  ['125', 'jobdone itself failed: bad option, bad JOBDONE_* value, missing command; nothing was run'],
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
