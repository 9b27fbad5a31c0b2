// Which presets a pod calls for (Istio, Linkerd, Dapr, cloud-sql-proxy), from its labels,
// annotations and sidecar containers, and what inject adds or says for each.
import { text, type Container, type Edit, type Json, type Path } from './json.ts';
import type { InjectOptions } from './options.ts';

const linkerdShutdownAnnotation = 'config.linkerd.io/proxy-admin-shutdown';

export interface PresetFinding {
  name: string;
  because: string;
}

const truthy = (value: unknown): boolean => text(value)?.toLowerCase() === 'true';

/** Presets the pod's metadata and sidecar containers call for. */
export function detectPresets(podLabels: Json, podAnnotations: Json, sidecars: readonly Container[]): PresetFinding[] {
  const found: PresetFinding[] = [];
  const sidecarWith = (test: (container: Container) => boolean): Container | undefined => sidecars.find(test);
  const image = (container: Container): string => text(container.image) ?? '';
  const named = (name: string) => (container: Container): boolean => container.name === name;

  const istioKey = 'sidecar.istio.io/inject';
  if (truthy(podLabels[istioKey])) found.push({ name: 'istio', because: `label ${istioKey}: "${text(podLabels[istioKey])}"` });
  else if (truthy(podAnnotations[istioKey])) found.push({ name: 'istio', because: `annotation ${istioKey}: "${text(podAnnotations[istioKey])}"` });
  else if (sidecarWith(named('istio-proxy'))) found.push({ name: 'istio', because: 'container istio-proxy' });

  const linkerdKey = 'linkerd.io/inject';
  if (text(podAnnotations[linkerdKey]) === 'enabled') found.push({ name: 'linkerd', because: `annotation ${linkerdKey}: enabled` });
  else if (sidecarWith(named('linkerd-proxy'))) found.push({ name: 'linkerd', because: 'container linkerd-proxy' });

  const daprKey = 'dapr.io/enabled';
  if (truthy(podAnnotations[daprKey])) found.push({ name: 'dapr', because: `annotation ${daprKey}: "${text(podAnnotations[daprKey])}"` });
  else if (sidecarWith(named('daprd'))) found.push({ name: 'dapr', because: 'container daprd' });

  const proxy = sidecarWith((container) => /(^|\/)cloud-sql-proxy(:|@|$)/.test(image(container)));
  if (proxy) found.push({ name: 'cloud-sql-proxy', because: `container ${text(proxy.name) ?? '(unnamed)'} runs ${image(proxy)}` });
  return found;
}

/** The --preset arguments for the wrapped command; edits and notes for the presets go to `out`. */
export function choosePresets(
  podLabels: Json,
  podAnnotations: Json,
  sidecars: readonly Container[],
  out: { options: InjectOptions; meta: Path; edits: Edit[]; note: (line: string) => void },
): string[] {
  const { options, meta, edits, note } = out;
  const presetArgs: string[] = [];
  if (options.explicitPresets.length > 0) note(`presets from --preset: ${options.explicitPresets.join(', ')}${options.detectPresets ? '' : ' (no detection: add --presets auto for both)'}`);
  if (options.detectPresets) {
    const found = detectPresets(podLabels, podAnnotations, sidecars);
    for (const finding of found) {
      if (options.explicitPresets.includes(finding.name)) continue;
      presetArgs.push('--preset', finding.name);
      note(`preset ${finding.name} (${finding.because})`);
    }
    if (found.length === 0 && options.explicitPresets.length === 0) note('no presets: no Istio, Linkerd or Dapr annotation, no cloud-sql-proxy container');
    if (found.some((finding) => finding.name === 'linkerd') && text(podAnnotations[linkerdShutdownAnnotation]) === undefined) {
      edits.push({ op: 'set', path: [...meta, 'annotations', linkerdShutdownAnnotation], value: 'enabled' });
      note(`annotation ${linkerdShutdownAnnotation}: enabled (the linkerd preset's shutdown call needs it; the proxy refuses it by default)`);
    }
    for (const finding of found.filter((one) => one.name === 'cloud-sql-proxy')) {
      const proxy = sidecars.find((container) => finding.because.startsWith(`container ${text(container.name) ?? '(unnamed)'} `));
      const proxyArgs = [...(Array.isArray(proxy?.command) ? proxy.command : []), ...(Array.isArray(proxy?.args) ? proxy.args : [])].map((word) => text(word) ?? '');
      // A native sidecar is the kubelet's to stop, after the job: no shutdown call, no advice.
      if (proxy?.restartPolicy !== 'Always' && !proxyArgs.some((word) => word === '--quitquitquit' || word.startsWith('--quitquitquit='))) {
        note(`container ${text(proxy?.name) ?? '(unnamed)'} has no --quitquitquit: the preset's shutdown call will fail and jobdone falls back to SIGTERM (add --quitquitquit and --exit-zero-on-sigterm to its args)`);
      }
    }
  } else if (options.explicitPresets.length === 0) {
    note('no presets (--presets none)');
  }

  return presetArgs;
}
