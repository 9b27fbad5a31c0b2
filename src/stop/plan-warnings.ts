// What a plan says before anything is sent: why nothing (or less than expected) will be
// signalled, in words that say what to change in the pod spec or the options.
import type { StopOptions } from '../config/config.ts';
import type { Pod } from '../pod/pod.ts';

export function planWarnings(pod: Pod, options: StopOptions, hostPidBlocks: boolean, groups: ReadonlyArray<{ kind: 'sidecar' | 'job'; targeted: boolean }>): string[] {
  const warnings: string[] = [];
  if (hostPidBlocks && pod.others.length > 0) {
    warnings.push(
      "the node's PID namespace is visible (kernel threads such as kthreadd): this pod runs with hostPID, " +
        "so its sidecars cannot be told apart from the node's processes and none is signalled; " +
        'drop hostPID: true from the pod spec, or pass --allow-host-pid if stopping them is really intended',
    );
  }
  if (pod.pidNamespaceDoubt !== undefined) {
    warnings.push(`cannot tell that /proc shows this pod's whole PID namespace: ${pod.pidNamespaceDoubt}; no sidecar is signalled (only the job's own leftovers)`);
  } else if (!pod.sharedPidNamespace && options.afterInnerStop !== true) {
    warnings.push(
      pod.selfPid === 1
        ? 'jobdone is PID 1, so this container has a PID namespace of its own and cannot see the sidecars: set shareProcessNamespace: true in the pod spec'
        : "no other container's processes are visible; if this pod has sidecars, set shareProcessNamespace: true in the pod spec",
    );
  }
  if (pod.self === undefined) {
    warnings.push(`jobdone's own process (pid ${pod.selfPid}) is not readable under the /proc root, so no container can be told apart from its own; nothing is signalled`);
  }
  const unknown = pod.processes.filter((p) => pod.roleOf.get(p.pid) === 'unknown-cgroup');
  if (unknown.length > 0 && pod.self !== undefined) {
    warnings.push(
      `${unknown.length} process(es) left alone because their /proc/<pid>/cgroup is unreadable (is /proc mounted with hidepid?): ` +
        unknown.slice(0, 10).map((p) => `${p.pid} ${p.comm}`).join(', ') + (unknown.length > 10 ? ', ...' : ''),
    );
  }
  if (options.only !== undefined && !hostPidBlocks && pod.others.length > 0 && !groups.some((g) => g.kind === 'sidecar' && g.targeted)) {
    warnings.push(`--only ${options.only.source} matched no process in another container: no sidecar is signalled`);
  }

  return warnings;
}
