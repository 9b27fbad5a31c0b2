// What inject does to one parsed document, decided over plain data (the document as JSON
// values): which workload it is, which container is the job, which presets the pod needs,
// the wrapped command and the way jobdone gets in. The result is a list of edits and one
// note per decision; src/inject/apply.ts makes the edits on the YAML document, so comments,
// key order and styles elsewhere stay as they were.
import { choosePresets } from './detect-presets.ts';
import { at, isMap, text, type Container, type Edit, type Json, type Path } from './json.ts';
import type { InjectOptions } from './options.ts';

export { detectPresets } from './detect-presets.ts';

export type { Edit, Path } from './json.ts';

export interface Plan {
  /** e.g. "Job batch/migrate". */
  what: string;
  edits: Edit[];
  /** One line per decision, for stderr. */
  notes: string[];
}

/** A document inject must refuse; the message names the document, the container and the fix. */
export class InjectError extends Error {}

export const executable = '/jobdone/jobdone';
export const volumeName = 'jobdone';
export const initContainerName = 'install-jobdone';
/** Where the init container mounts the emptyDir: not /jobdone, where the image's own copy lives. */
export const installDir = '/install';
export const optOutAnnotation = 'jobdone/inject';
const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

/** Where a workload keeps its pod: the paths of the pod's metadata and spec in the document. */
export interface Workload {
  what: string;
  /** The object's own metadata (a Job's, a CronJob's). */
  objectMeta: Path;
  /** The pod's metadata (the template's). */
  meta: Path;
  spec: Path;
}

function describe(doc: Json): string {
  const meta = isMap(doc.metadata) ? doc.metadata : {};
  const name = text(meta.name) ?? (text(meta.generateName) !== undefined ? `${text(meta.generateName)}*` : '(unnamed)');
  const namespace = text(meta.namespace);
  return `${text(doc.kind) ?? 'document'} ${namespace !== undefined ? `${namespace}/` : ''}${name}`;
}

/**
 * The workloads in a document: batch/v1 Job and CronJob, a v1 Pod that runs to completion,
 * each item of a v1 List. `skipped` says why a Job-like document is left alone.
 */
export function findWorkloads(doc: unknown, prefix: Path = []): { workloads: Workload[]; skipped: string[] } {
  if (!isMap(doc)) return { workloads: [], skipped: [] };
  const { apiVersion, kind } = doc;
  const what = describe(doc);
  if (apiVersion === 'v1' && kind === 'List' && Array.isArray(doc.items)) {
    const found = doc.items.map((item, index) => findWorkloads(item, [...prefix, 'items', index]));
    return { workloads: found.flatMap((one) => one.workloads), skipped: found.flatMap((one) => one.skipped) };
  }
  if (apiVersion === 'batch/v1' && kind === 'Job') {
    return { workloads: [{ what, objectMeta: [...prefix, 'metadata'], meta: [...prefix, 'spec', 'template', 'metadata'], spec: [...prefix, 'spec', 'template', 'spec'] }], skipped: [] };
  }
  if (apiVersion === 'batch/v1' && kind === 'CronJob') {
    const template = [...prefix, 'spec', 'jobTemplate', 'spec', 'template'];
    return { workloads: [{ what, objectMeta: [...prefix, 'metadata'], meta: [...template, 'metadata'], spec: [...template, 'spec'] }], skipped: [] };
  }
  if (apiVersion === 'v1' && kind === 'Pod') {
    const policy = text(at(doc, ['spec', 'restartPolicy'])) ?? 'Always';
    if (policy !== 'Never' && policy !== 'OnFailure') return { workloads: [], skipped: [`${what}: left unchanged: restartPolicy ${policy} is not a job's (Never or OnFailure)`] };
    return { workloads: [{ what, objectMeta: [...prefix, 'metadata'], meta: [...prefix, 'metadata'], spec: [...prefix, 'spec'] }], skipped: [] };
  }
  if (kind === 'Job' || kind === 'CronJob' || kind === 'Pod') {
    return { workloads: [], skipped: [`${what}: left unchanged: apiVersion ${text(apiVersion) ?? '(none)'} (inject changes batch/v1 Job and CronJob, v1 Pod)`] };
  }
  return { workloads: [], skipped: [] };
}

function annotations(doc: unknown, meta: Path): Json {
  const value = at(doc, [...meta, 'annotations']);
  return isMap(value) ? value : {};
}

function labels(doc: unknown, meta: Path): Json {
  const value = at(doc, [...meta, 'labels']);
  return isMap(value) ? value : {};
}

function containersOf(doc: unknown, spec: Path): Container[] {
  const value = at(doc, [...spec, 'containers']);
  return Array.isArray(value) ? value.filter(isMap) as Container[] : [];
}

/** The job's container: --container, else the default-container annotation, else the first. */
export function chooseContainer(containers: readonly Container[], podAnnotations: Json, wanted: string | undefined, what: string): { index: number; why: string } {
  const names = containers.map((container) => text(container.name) ?? '(unnamed)');
  if (containers.length === 0) throw new InjectError(`${what}: the pod has no containers`);
  const pick = (name: string, why: string): { index: number; why: string } => {
    const index = names.indexOf(name);
    if (index === -1) throw new InjectError(`${what}: no container named ${JSON.stringify(name)} (${why}); its containers: ${names.join(', ')}`);
    return { index, why };
  };
  if (wanted !== undefined) return pick(wanted, '--container');
  const annotated = text(podAnnotations[defaultContainerAnnotation]);
  if (annotated !== undefined) return pick(annotated, `annotation ${defaultContainerAnnotation}`);
  return { index: 0, why: 'the first container' };
}

function isJobdoneCommand(command: unknown): boolean {
  if (!Array.isArray(command) || typeof command[0] !== 'string') return false;
  return command[0] === executable || command[0].endsWith('/jobdone') || command[0] === 'jobdone';
}

/** The edits and notes for one workload of a document. */
export function planWorkload(doc: unknown, workload: Workload, options: InjectOptions): Plan {
  const { what, meta, spec } = workload;
  const edits: Edit[] = [];
  const notes: string[] = [];
  const note = (line: string): void => { notes.push(`${what}: ${line}`); };
  const podAnnotations = annotations(doc, meta);

  const optOut = [annotations(doc, workload.objectMeta), podAnnotations].find((map) => text(map[optOutAnnotation]) === 'false');
  if (optOut !== undefined) {
    note(`left unchanged: annotation ${optOutAnnotation}: "false"`);
    return { what, edits, notes };
  }

  const share = at(doc, [...spec, 'shareProcessNamespace']);
  if (share === false && !options.force) {
    throw new InjectError(`${what}: shareProcessNamespace: false is set, and jobdone needs the pod's processes in one namespace to stop its sidecars; remove it or pass --force to set it to true`);
  }
  const shareEdit = (): void => {
    if (share === true) return;
    edits.push({ op: 'set', path: [...spec, 'shareProcessNamespace'], value: true });
    note(share === false ? 'shareProcessNamespace: false replaced by true (--force)' : 'shareProcessNamespace: true (jobdone sees the sidecars through the shared /proc)');
  };

  const containers = containersOf(doc, spec);
  const chosen = chooseContainer(containers, podAnnotations, options.container, what);
  const main = containers[chosen.index]!;
  const mainName = text(main.name) ?? '(unnamed)';
  const mainPath = [...spec, 'containers', chosen.index];

  if (isJobdoneCommand(main.command)) {
    // inject of inject's output: nothing to add, so the document passes through byte for byte.
    shareEdit();
    if (edits.length === 0) note(`left unchanged: container ${mainName} already runs ${text((main.command as unknown[])[0])}`);
    return { what, edits, notes };
  }

  const { originalCommand, suppliedCommand } = commandOf(main, mainName, options, what);

  note(`job container ${mainName} (${chosen.why})`);

  const sidecars = sidecarsOf(doc, spec, containers, chosen.index);
  const presetArgs = choosePresets(labels(doc, meta), podAnnotations, sidecars, { options, meta, edits, note });

  const prefix = [executable, ...options.jobdoneArgs, ...presetArgs, '--'];
  if (originalCommand !== undefined) {
    edits.push({ op: 'prepend', path: [...mainPath, 'command'], values: prefix });
    note(`command of ${mainName}: ${JSON.stringify([...prefix, ...originalCommand])} (args untouched)`);
  } else {
    edits.push({ op: 'set', path: [...mainPath, 'command'], value: [...prefix, ...suppliedCommand!] });
    note(`command of ${mainName}: ${JSON.stringify([...prefix, ...suppliedCommand!])} (from --command-for; args untouched)`);
  }
  shareEdit();
  edits.push(...waysIn(doc, workload, mainPath, main, mainName, options, note));
  return { what, edits, notes };
}

/** The main container's command as the manifest has it, or as --command-for gives it; refused when neither can be known. */
function commandOf(main: Container, mainName: string, options: InjectOptions, what: string): { originalCommand: string[] | undefined; suppliedCommand: readonly string[] | undefined } {
  const originalCommand = Array.isArray(main.command) ? main.command.map((word) => text(word) ?? '') : undefined;
  const suppliedCommand = options.commandFor.get(mainName);
  if (originalCommand === undefined && suppliedCommand === undefined) {
    throw new InjectError(`${what}: container ${mainName} has no command, and the image's ENTRYPOINT cannot be known from the manifest: give it with --command-for ${mainName}=CMD (e.g. --command-for ${mainName}=/app/run), or set command: in the manifest`);
  }
  if (originalCommand !== undefined && originalCommand.length === 0) {
    throw new InjectError(`${what}: container ${mainName} has an empty command: give the image's ENTRYPOINT with --command-for ${mainName}=CMD or fill command: in the manifest`);
  }
  return { originalCommand, suppliedCommand };
}

/** The pod's other containers, and its native sidecars (init containers with restartPolicy: Always). */
function sidecarsOf(doc: unknown, spec: Path, containers: readonly Container[], mainIndex: number): Container[] {
  return [
    ...containers.filter((_, index) => index !== mainIndex),
    ...(Array.isArray(at(doc, [...spec, 'initContainers'])) ? (at(doc, [...spec, 'initContainers']) as unknown[]).filter(isMap).filter((init) => (init as Container).restartPolicy === 'Always') : []),
  ] as Container[];
}

function waysIn(doc: unknown, { what, spec }: Workload, mainPath: Path, main: Container, mainName: string, options: InjectOptions, note: (line: string) => void): Edit[] {
  if (options.via === 'baked') {
    note('--via baked: the image already has /jobdone/jobdone; no volume added');
    return [];
  }
  const volumes = at(doc, [...spec, 'volumes']);
  if (Array.isArray(volumes) && volumes.some((volume) => isMap(volume) && volume.name === volumeName)) {
    throw new InjectError(`${what}: the pod already has a volume named ${volumeName}; rename it, or use --via baked if it holds jobdone`);
  }
  const mounts = Array.isArray(main.volumeMounts) ? main.volumeMounts : [];
  if (mounts.some((mount) => isMap(mount) && typeof mount.mountPath === 'string' && mount.mountPath.replace(/\/+$/, '') === '/jobdone')) {
    throw new InjectError(`${what}: container ${mainName} already mounts something at /jobdone; use --via baked if that is jobdone`);
  }
  const edits: Edit[] = [];
  if (options.via === 'init') {
    const inits = at(doc, [...spec, 'initContainers']);
    if (Array.isArray(inits) && inits.some((init) => isMap(init) && init.name === initContainerName)) {
      throw new InjectError(`${what}: the pod already has an initContainer named ${initContainerName}; rename it`);
    }
    edits.push(
      { op: 'append', path: [...spec, 'volumes'], value: { name: volumeName, emptyDir: {} } },
      { op: 'append', path: [...spec, 'initContainers'], value: { name: initContainerName, image: options.image, args: ['install', installDir], volumeMounts: [{ name: volumeName, mountPath: installDir }] } },
      { op: 'append', path: [...mainPath, 'volumeMounts'], value: { name: volumeName, mountPath: '/jobdone', readOnly: true } },
    );
    note(`--via init: initContainer ${initContainerName} (${options.image}) runs jobdone install ${installDir} into emptyDir volume ${volumeName}, mounted read-only at /jobdone in ${mainName}`);
  } else {
    // The image holds /jobdone at its root; subPath mounts that folder where its ELF interpreter path points.
    edits.push(
      { op: 'append', path: [...spec, 'volumes'], value: { name: volumeName, image: { reference: options.image, pullPolicy: 'IfNotPresent' } } },
      { op: 'append', path: [...mainPath, 'volumeMounts'], value: { name: volumeName, mountPath: '/jobdone', subPath: 'jobdone', readOnly: true } },
    );
    note(`--via image-volume: image volume ${volumeName} (${options.image}), its jobdone/ folder mounted read-only at /jobdone in ${mainName} (needs the ImageVolume feature, Kubernetes 1.33+)`);
  }
  return edits;
}
