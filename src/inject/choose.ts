// Which container of a pod is the job: the one the kubectl.kubernetes.io/default-container
// annotation names, else the one --container names for this workload, else the only
// container that is not a known sidecar. Several candidates left: refused, with their names,
// because wrapping the wrong one stops the real job mid-work.
import { text, type Container, type Json } from './json.ts';

export const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

/** A --container value: CONTAINER for every workload that has one so named, or WORKLOAD=CONTAINER. */
export interface ContainerChoice {
  /** undefined: any workload; else a workload's name, or kind/name (case-insensitive kind). */
  workload: string | undefined;
  container: string;
}

export function parseContainerChoice(value: string): ContainerChoice | undefined {
  const equals = value.indexOf('=');
  const workload = equals === -1 ? undefined : value.slice(0, equals).trim();
  const container = value.slice(equals + 1).trim();
  if (container === '' || workload === '') return undefined;
  return { workload, container };
}

/** Names and images of sidecars whose projects this repository knows (docs/meshes.md). */
const knownSidecar = /(^|[/-])(istio-proxy|proxyv2|linkerd-proxy|linkerd2-proxy|daprd|cloud-sql-proxy|cloudsql-proxy|gce-proxy|envoy|consul-dataplane|vault(-agent)?|fluent-bit|fluentd|vector|otel-collector|opentelemetry-collector(-contrib)?|datadog-agent)([:@/-]|$)/;

/** A known sidecar's name or image, or a container its author calls a sidecar. */
export function isKnownSidecar(container: Container): boolean {
  const name = text(container.name) ?? '';
  if (/sidecar/i.test(name)) return true;
  const image = (text(container.image) ?? '').replace(/^.*\//, '');
  return knownSidecar.test(name) || knownSidecar.test(image.replace(/[:@].*$/, ''));
}

export interface Workloadish {
  kind: string;
  name: string;
}

/** The job container's index and why, or a problem (one line). */
export function chooseContainer(
  containers: readonly Container[],
  podAnnotations: Json,
  choices: readonly ContainerChoice[],
  workload: Workloadish,
): { index: number; why: string } | { problem: string } {
  const names = containers.map((container) => text(container.name) ?? '(unnamed)');
  if (containers.length === 0) return { problem: 'the pod has no containers' };
  const pick = (name: string, why: string): { index: number; why: string } | { problem: string } => {
    const index = names.indexOf(name);
    return index === -1 ? { problem: `no container named ${JSON.stringify(name)} (${why}); its containers: ${names.join(', ')}` } : { index, why };
  };
  const annotated = text(podAnnotations[defaultContainerAnnotation]);
  if (annotated !== undefined) return pick(annotated, `annotation ${defaultContainerAnnotation}`);
  const named = choices.find((choice) => choice.workload !== undefined && matchesWorkload(choice.workload, workload));
  if (named !== undefined) return pick(named.container, `--container ${named.workload}=${named.container}`);
  const anywhere = choices.find((choice) => choice.workload === undefined && names.includes(choice.container));
  if (anywhere !== undefined) return pick(anywhere.container, `--container ${anywhere.container}`);
  if (containers.length === 1) return { index: 0, why: 'the only container' };
  const candidates = containers.map((container, index) => ({ container, index })).filter(({ container }) => !isKnownSidecar(container));
  if (candidates.length === 1) return { index: candidates[0]!.index, why: 'the only container that is not a known sidecar' };
  const listed = (candidates.length === 0 ? containers.map((container, index) => ({ container, index })) : candidates).map(({ index }) => names[index]!);
  return {
    problem: `cannot tell which container is the job among ${listed.join(', ')}: name it with --container ${workload.name}=CONTAINER or the annotation ${defaultContainerAnnotation}`,
  };
}

function matchesWorkload(wanted: string, workload: Workloadish): boolean {
  const slash = wanted.indexOf('/');
  if (slash === -1) return wanted === workload.name;
  return wanted.slice(0, slash).toLowerCase() === workload.kind.toLowerCase() && wanted.slice(slash + 1) === workload.name;
}
