// What inject does to one parsed document, decided over plain data (the document as JSON
// values): which workload it is, which container is the job, which presets the pod needs,
// the wrapped command and the way jobdone gets in. The result is a list of edits and one
// note per decision; src/inject/splice.ts makes them as changes of the source text, so comments,
// key order and styles elsewhere stay as they were.
import { chooseContainer } from './choose.ts';
import { jobCommand, podPlatform, words, type ImageLookup } from './command.ts';
import { choosePresets } from './detect-presets.ts';
import { at, isMap, text, type Container, type Edit, type Json, type Path } from './json.ts';
import type { InjectOptions } from './options.ts';
import { sidecarArgs } from './sidecar-args.ts';
import { waysIn } from './ways-in.ts';

export { detectPresets } from './detect-presets.ts';

export type { Edit, Path } from './json.ts';

export interface Plan {
  /** e.g. "Job batch/migrate". */
  what: string;
  edits: Edit[];
  /** One line per decision, for stderr. */
  notes: string[];
}

/** Input inject cannot read at all (bad YAML, an alias bomb, an unreadable file): one line, exit 125. */
export class InjectError extends Error {}

/** Why a workload cannot be injected: every reason, each one line. */
export interface Uninjectable {
  what: string;
  problems: string[];
}

export const executable = '/jobdone/jobdone';
export const optOutAnnotation = 'jobdone/inject';

/** Where a workload keeps its pod: the paths of the pod's metadata and spec in the document. */
export interface Workload {
  what: string;
  kind: string;
  name: string;
  /** The object's own metadata (a Job's, a CronJob's). */
  objectMeta: Path;
  /** The pod's metadata (the template's). */
  meta: Path;
  spec: Path;
}

function describe(doc: Json): { what: string; kind: string; name: string } {
  const meta = isMap(doc.metadata) ? doc.metadata : {};
  const name = text(meta.name) ?? (text(meta.generateName) !== undefined ? `${text(meta.generateName)}*` : '(unnamed)');
  const namespace = text(meta.namespace);
  const kind = text(doc.kind) ?? 'document';
  return { what: `${kind} ${namespace !== undefined ? `${namespace}/` : ''}${name}`, kind, name };
}

/**
 * The workloads in a document: batch/v1 Job and CronJob, a v1 Pod that runs to completion,
 * each item of a v1 List. `skipped` says why a Job-like document is left alone.
 */
export function findWorkloads(doc: unknown, prefix: Path = []): { workloads: Workload[]; skipped: string[] } {
  if (!isMap(doc)) return { workloads: [], skipped: [] };
  const { apiVersion, kind } = doc;
  const { what, name } = describe(doc);
  const id = { what, kind: text(kind) ?? '', name };
  // kubectl get -o json|yaml prints a v1 List; the API itself answers batch/v1 JobList and the like.
  if (/^(batch\/v1|v1)$/.test(text(apiVersion) ?? '') && /^(List|JobList|CronJobList|PodList)$/.test(text(kind) ?? '') && Array.isArray(doc.items)) {
    const found = doc.items.map((item, index) => findWorkloads(item, [...prefix, 'items', index]));
    return { workloads: found.flatMap((one) => one.workloads), skipped: found.flatMap((one) => one.skipped) };
  }
  if (apiVersion === 'batch/v1' && kind === 'Job') {
    return { workloads: [{ ...id, objectMeta: [...prefix, 'metadata'], meta: [...prefix, 'spec', 'template', 'metadata'], spec: [...prefix, 'spec', 'template', 'spec'] }], skipped: [] };
  }
  if (apiVersion === 'batch/v1' && kind === 'CronJob') {
    const template = [...prefix, 'spec', 'jobTemplate', 'spec', 'template'];
    return { workloads: [{ ...id, objectMeta: [...prefix, 'metadata'], meta: [...template, 'metadata'], spec: [...template, 'spec'] }], skipped: [] };
  }
  if (apiVersion === 'v1' && kind === 'Pod') {
    const policy = text(at(doc, ['spec', 'restartPolicy'])) ?? 'Always';
    if (policy !== 'Never' && policy !== 'OnFailure') return { workloads: [], skipped: [`${what}: left unchanged: restartPolicy ${policy} is not a job's (Never or OnFailure)`] };
    return { workloads: [{ ...id, objectMeta: [...prefix, 'metadata'], meta: [...prefix, 'metadata'], spec: [...prefix, 'spec'] }], skipped: [] };
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

function containersOf(doc: unknown, spec: Path, key = 'containers'): Container[] {
  const value = at(doc, [...spec, key]);
  return Array.isArray(value) ? value.filter(isMap) as Container[] : [];
}

function isJobdoneCommand(command: unknown): boolean {
  if (!Array.isArray(command) || typeof command[0] !== 'string') return false;
  return command[0] === executable || command[0].endsWith('/jobdone') || command[0] === 'jobdone';
}

export interface PlanContext {
  options: InjectOptions;
  /** The command in an image (from its registry or a local engine), or why it cannot be known. */
  images: ImageLookup;
}

/** What stops jobdone from working in this pod at all. */
function podProblems(doc: unknown, spec: Path, options: InjectOptions): string[] {
  const problems: string[] = [];
  if (at(doc, [...spec, 'hostPID']) === true) {
    problems.push('hostPID: true: the API server refuses shareProcessNamespace next to it, and jobdone would see every process of the node; leave this workload out (annotation jobdone/inject: "false", or --skip-uninjectable)');
  }
  if (at(doc, [...spec, 'shareProcessNamespace']) === false && !options.force) {
    problems.push('shareProcessNamespace: false is set, and jobdone needs the pod\'s processes in one namespace to stop its sidecars; remove it or pass --force to set it to true');
  }
  return problems;
}

/** The edits and notes for one workload of a document, or every reason it cannot be injected. */
export function planWorkload(doc: unknown, workload: Workload, context: PlanContext): Plan | Uninjectable {
  const { what, meta, spec } = workload;
  const { options } = context;
  const edits: Edit[] = [];
  const notes: string[] = [];
  const note = (line: string): void => { notes.push(`${what}: ${line}`); };
  const podAnnotations = annotations(doc, meta);
  if ([annotations(doc, workload.objectMeta), podAnnotations].some((map) => text(map[optOutAnnotation]) === 'false')) {
    note(`left unchanged: annotation ${optOutAnnotation}: "false"`);
    return { what, edits, notes };
  }
  const problems = podProblems(doc, spec, options);
  const containers = containersOf(doc, spec);
  const chosen = chooseContainer(containers, podAnnotations, options.containers, workload);
  if ('problem' in chosen) return { what, problems: [...problems, chosen.problem] };
  const main = containers[chosen.index]!;
  const mainName = text(main.name) ?? '(unnamed)';
  const mainPath = [...spec, 'containers', chosen.index];
  const share = at(doc, [...spec, 'shareProcessNamespace']);
  const shareEdit = (): void => {
    if (share === true) return;
    edits.push({ op: 'set', path: [...spec, 'shareProcessNamespace'], value: true });
    note(share === false ? 'shareProcessNamespace: false replaced by true (--force)' : 'shareProcessNamespace: true (jobdone sees the sidecars through the shared /proc)');
  };
  if (isJobdoneCommand(main.command)) {
    // inject of inject's output: nothing to add, so the document passes through byte for byte.
    if (problems.length > 0) return { what, problems };
    shareEdit();
    if (edits.length === 0) note(`left unchanged: container ${mainName} already runs ${text((main.command as unknown[])[0])}`);
    return { what, edits, notes };
  }
  const platform = podPlatform(at(doc, [...spec, 'nodeSelector']), options.platform);
  const needsImage = words(main.command) === undefined && !options.commandFor.has(mainName);
  const command = jobCommand(main, options.commandFor.get(mainName), needsImage ? context.images(text(main.image) ?? '', platform) : undefined);
  if ('problem' in command) problems.push(command.problem);
  const ways = waysIn({ doc, spec, mainPath, main, mainName, containers }, options, () => {});
  if (!Array.isArray(ways)) problems.push(ways.problem);
  if (problems.length > 0 || 'problem' in command) return { what, problems };

  note(`job container ${mainName} (${chosen.why})`);
  const sidecars = [...containers.filter((_, index) => index !== chosen.index), ...containersOf(doc, spec, 'initContainers').filter((init) => init.restartPolicy === 'Always')];
  const presetArgs = choosePresets(labels(doc, meta), podAnnotations, sidecars, { options, meta, edits, note });
  const extraArgs = sidecarArgs({ doc, spec, mainIndex: chosen.index, platform, images: context.images, restartPolicy: at(doc, [...spec, 'restartPolicy']) }, edits, note);
  const prefix = [executable, ...options.jobdoneArgs, ...presetArgs, ...extraArgs, '--'];
  const source = command.from === 'manifest' ? 'args untouched' : command.from === 'command-for' ? 'from --command-for; args untouched' : `from the image ${text(main.image)} (${platform})${words(main.args) === undefined ? ', its ENTRYPOINT and CMD' : ', its ENTRYPOINT; args untouched'}`;
  edits.push(command.replace ? { op: 'set', path: [...mainPath, 'command'], value: [...prefix, ...command.command] } : { op: 'prepend', path: [...mainPath, 'command'], values: prefix });
  note(`command of ${mainName}: ${JSON.stringify([...prefix, ...command.command])} (${source})`);
  shareEdit();
  edits.push(...waysIn({ doc, spec, mainPath, main, mainName, containers }, options, note) as Edit[]);
  return { what, edits, notes };
}
