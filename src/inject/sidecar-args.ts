// What inject tells the run about the pod's sidecars, from the manifest (issue 17):
// - each declared native sidecar (an init container with restartPolicy: Always) is the
//   kubelet's to stop and restart: `--native-sidecar '^<its argv>$'` keeps jobdone's hands off;
// - restartPolicy OnFailure: the kubelet runs a failed job container again in the same pod,
//   so `--keep-sidecars-on-failure` leaves the sidecars for the retry;
// - a sidecar whose project documents a flag to exit 0 when stopped gets it, so its exit code
//   does not mark the pod Failed: Cloud SQL Auth Proxy v2's `--exit-zero-on-sigterm` ("Exit
//   with 0 exit code when Sigterm received (default is 143)",
//   https://github.com/GoogleCloudPlatform/cloud-sql-proxy/blob/main/docs/cmd/cloud-sql-proxy.md).
//   Only for classic sidecars: a native sidecar's exit code does not decide the pod's phase.
import { effectiveArgv, nativeSidecarPattern, words, type ImageLookup } from './command.ts';
import { at, isMap, text, type Container, type Edit, type Path } from './json.ts';

export interface SidecarInput {
  doc: unknown;
  spec: Path;
  mainIndex: number;
  platform: string;
  images: ImageLookup;
  restartPolicy: unknown;
}

const exitZeroFlag = '--exit-zero-on-sigterm';
/** v2's images (gcr.io/cloud-sql-connectors/cloud-sql-proxy); v1 (gce-proxy) has no such flag. */
const cloudSqlProxyV2 = /(^|\/)cloud-sql-proxy(:2[.\d]*|@|$)|cloud-sql-connectors\/cloud-sql-proxy/;

export function sidecarArgs(input: SidecarInput, edits: Edit[], note: (line: string) => void): string[] {
  const { doc, spec } = input;
  const args: string[] = [];
  const inits = at(doc, [...spec, 'initContainers']);
  (Array.isArray(inits) ? inits : []).forEach((init: unknown) => {
    if (!isMap(init) || init.restartPolicy !== 'Always') return;
    const container = init as Container;
    const name = text(container.name) ?? '(unnamed)';
    const argv = effectiveArgv(container, words(container.command) === undefined ? input.images(text(container.image) ?? '', input.platform) : undefined);
    if (argv === undefined || argv.length === 0) {
      note(`native sidecar ${name}: the kubelet stops it after the job; its command is not known (no command in the manifest, image not read), so jobdone may signal it too`);
      return;
    }
    args.push('--native-sidecar', nativeSidecarPattern(argv));
    note(`native sidecar ${name}: left to the kubelet, which stops it after the job (--native-sidecar)`);
  });
  if (input.restartPolicy === 'OnFailure') {
    args.push('--keep-sidecars-on-failure');
    note('restartPolicy OnFailure: the kubelet retries the job container in this pod, so a failed attempt leaves the sidecars running (--keep-sidecars-on-failure)');
  }
  const containers = at(doc, [...spec, 'containers']);
  (Array.isArray(containers) ? containers : []).forEach((value: unknown, index) => {
    if (index === input.mainIndex || !isMap(value) || !cloudSqlProxyV2.test(text(value.image) ?? '')) return;
    edits.push(...exitZero(value as Container, [...spec, 'containers', index], note));
  });
  return args;
}

function exitZero(container: Container, path: Path, note: (line: string) => void): Edit[] {
  const name = text(container.name) ?? '(unnamed)';
  const argv = [...(words(container.command) ?? []), ...(words(container.args) ?? [])];
  if (argv.some((word) => word === exitZeroFlag || word.startsWith(`${exitZeroFlag}=`))) return [];
  const key = Array.isArray(container.args) ? 'args' : Array.isArray(container.command) ? 'command' : undefined;
  if (key === undefined) {
    note(`container ${name} (Cloud SQL Auth Proxy v2) exits 143 when stopped, which marks the pod Failed: add ${exitZeroFlag} to its args`);
    return [];
  }
  note(`container ${name}: ${exitZeroFlag} added to its ${key} (Cloud SQL Auth Proxy v2 exits 143 on SIGTERM without it, which marks the pod Failed)`);
  return [{ op: 'append', path: [...path, key], value: exitZeroFlag }];
}
