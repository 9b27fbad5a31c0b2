// The argv a container runs, as Kubernetes builds it from the manifest and the image
// (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes):
// `command` replaces the image's ENTRYPOINT and drops its CMD; `args` replace the CMD. So the
// wrapped command is jobdone + what runs now: the manifest's command, else the image's
// ENTRYPOINT, followed by the image's CMD only when the container has no `args` (which stay
// where they are). Tekton does this lookup for steps without a command, with a cache for one
// run and a command per platform of an image index (tektoncd/pipeline
// pkg/pod/entrypoint_lookup.go, resolveEntrypoints).
import { text, type Container } from './json.ts';

export interface ImageCommand {
  entrypoint: readonly string[];
  cmd: readonly string[];
}

/** What reading an image gave: its command, a reason it could not be read, or nothing (not asked). */
export type ImageAnswer = ImageCommand | { problem: string } | undefined;

export type ImageLookup = (image: string, platform: string) => ImageAnswer;

export const words = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map((word) => text(word) ?? '') : undefined);

/** The words to put after `jobdone ... --` in `command`, and where they came from; or a problem. */
export function jobCommand(
  container: Container,
  supplied: readonly string[] | undefined,
  image: ImageAnswer,
): { command: readonly string[]; from: 'manifest' | 'command-for' | 'image'; replace: boolean } | { problem: string } {
  const name = text(container.name) ?? '(unnamed)';
  const own = words(container.command);
  if (own !== undefined && own.length > 0) return { command: own, from: 'manifest', replace: false };
  if (supplied !== undefined) return { command: supplied, from: 'command-for', replace: true };
  const fix = `give it with --command-for ${name}=CMD, or set command: in the manifest`;
  if (own !== undefined) return { problem: `container ${name} has an empty command: ${fix}` };
  if (image === undefined) return { problem: `container ${name} has no command, and its image was not read (--offline): ${fix}` };
  if ('problem' in image) return { problem: `container ${name} has no command, and its image cannot be read: ${image.problem}; or ${fix}` };
  const args = words(container.args);
  const command = [...image.entrypoint, ...(args === undefined ? image.cmd : [])];
  if (command.length === 0) return { problem: `container ${name}: its image ${text(container.image)} has neither ENTRYPOINT nor CMD, and the manifest no command: ${fix}` };
  return { command, from: 'image', replace: true };
}

/** The argv of a container's main process as /proc shows it, when the manifest or the image tells. */
export function effectiveArgv(container: Container, image: ImageAnswer): string[] | undefined {
  const command = words(container.command);
  const args = words(container.args);
  if (command !== undefined) return [...command, ...(args ?? [])];
  if (image === undefined || 'problem' in image) return undefined;
  return [...image.entrypoint, ...(args ?? image.cmd)];
}

const escapeRegex = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One word of a manifest's command or args as /proc will show it. The kubelet expands `$(NAME)`
 * from the container's env and leaves an unresolvable one as written; `$$` is an escaped `$`
 * (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#entrypoint).
 * The values (fieldRefs, secrets) are not known here, so a reference matches any text, the
 * reference itself included; `$$` matches one `$` or two, so image words (never expanded) match too.
 */
function wordPattern(word: string): string {
  let pattern = '';
  for (let i = 0; i < word.length; i += 1) {
    const close = word.startsWith('$(', i) ? word.indexOf(')', i + 2) : -1;
    if (close !== -1) {
      pattern += '.*';
      i = close;
    } else if (word.startsWith('$$', i)) {
      pattern += '\\$\\$?';
      i += 1;
    } else {
      pattern += escapeRegex(word[i]!);
    }
  }
  return pattern;
}

/** --native-sidecar's pattern for a native sidecar: its whole command line, as the kubelet runs it. */
export function nativeSidecarPattern(argv: readonly string[]): string {
  return `^${argv.map(wordPattern).join(' ')}$`;
}

/** The platform a pod's images run as: its node selector's, else the option's. */
export function podPlatform(nodeSelector: unknown, fallback: string): string {
  const selector = typeof nodeSelector === 'object' && nodeSelector !== null ? nodeSelector as Record<string, unknown> : {};
  const [os, arch] = fallback.split('/');
  return `${text(selector['kubernetes.io/os']) ?? os}/${text(selector['kubernetes.io/arch']) ?? arch}`;
}
