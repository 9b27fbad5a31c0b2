// jobdone's run and ps read the pod's /proc, which only Linux has; inject, sidecar, install,
// --help and --version run anywhere Node does (npx jobdone inject on a laptop).

/** The one line to refuse with on this platform, or undefined when the command can run here. */
export function linuxOnlyRefusal(kind: string, platform: NodeJS.Platform): string | undefined {
  if (platform === 'linux' || (kind !== 'run' && kind !== 'ps')) return undefined;
  const what = kind === 'ps' ? 'jobdone ps' : 'jobdone -- CMD';
  return `${what} runs only inside a Linux pod (it reads the pod's /proc), and this is ${platform}: here, use jobdone inject to put jobdone into your manifests`;
}
