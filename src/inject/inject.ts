// inject over one input text: its documents one at a time (the parser and composer stream, so
// time and memory grow with the input, not faster), the edits of each Job, CronJob and Pod
// planned over its JSON value and made as splices of the source text. A document with no
// edits is never touched, and a changed one differs only where jobdone changes it. JSON input
// comes back as JSON. Workloads that cannot be injected are collected, all of them, for the
// caller to refuse the input or to leave them unchanged (--skip-uninjectable).
import { Composer, LineCounter, Parser, isMap as isYamlMap, type Document } from 'yaml';
import { isMap, withEdits, type Edit } from './json.ts';
import type { ImageLookup } from './command.ts';
import type { InjectOptions } from './options.ts';
import { findWorkloads, InjectError, planWorkload, type Uninjectable } from './plan.ts';
import { detectStyle } from './render.ts';
import { serverFieldEdits } from './server-fields.ts';
import { applySplices, documentSplices, type Splice } from './splice.ts';

export interface InjectResult {
  output: string;
  /** One line per decision, for stderr. */
  notes: string[];
  uninjectable: Uninjectable[];
}

export interface InjectContext {
  options: InjectOptions;
  images: ImageLookup;
}

const workloadKinds = new Set(['Job', 'CronJob', 'Pod', 'List', 'JobList', 'CronJobList', 'PodList']);
const maxAliasCount = 100;

/** `name` is how errors name the input: a file name or "stdin". */
export function injectText(source: string, name: string, context: InjectContext): InjectResult {
  const json = jsonIndent(source);
  const lines = new LineCounter();
  const composer = new Composer({ merge: true });
  const result: InjectResult = { output: source, notes: [], uninjectable: [] };
  const splices: Splice[] = [];
  let index = 0;
  const handle = (doc: Document.Parsed): void => {
    index += 1;
    checkErrors(doc, lines, name);
    const where = `${name}, document ${index}`;
    const made = injectDocument(source, doc, where, { ...context, json }, result);
    if (made !== undefined) for (const splice of made) splices.push(splice);
  };
  try {
    for (const token of new Parser(lines.addNewLine).parse(source)) for (const doc of composer.next(token)) handle(doc);
    for (const doc of composer.end()) handle(doc);
  } catch (error) {
    if (error instanceof RangeError) throw new InjectError(`${name}: nested too deeply to read (${error.message}); inject reads manifests as Kubernetes writes them`);
    throw error;
  }
  if (splices.length > 0) result.output = applySplices(source, splices);
  return result;
}

function checkErrors(doc: Document.Parsed, lines: LineCounter, name: string): void {
  const error = doc.errors[0];
  if (error === undefined) return;
  if (/call stack/i.test(error.message)) throw new InjectError(`${name}: nested too deeply to read (near line ${lines.linePos(error.pos[0]).line}); inject reads manifests as Kubernetes writes them`);
  const position = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
  const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
  throw new InjectError(`bad YAML in ${name}${where}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
}

/** The document's value, with aliases and merge keys resolved as Kubernetes reads them; an alias bomb is one line. */
function valueOf(doc: Document.Parsed, where: string): unknown {
  try {
    return doc.toJS({ maxAliasCount });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new InjectError(`${where}: its aliases expand to more than ${maxAliasCount} times its own size (an alias bomb?); inject does not read it`);
    }
    throw error;
  }
}

/** Plans the workloads of one document; its splices and final value when something changes. */
function injectDocument(source: string, doc: Document.Parsed, where: string, context: InjectContext & { json: string | undefined }, result: InjectResult): Splice[] | undefined {
  // Only documents that can hold workloads are read as values: an alias bomb in a ConfigMap passes through as it came.
  const kind = isYamlMap(doc.contents) ? doc.get('kind') : undefined;
  if (typeof kind !== 'string' || !workloadKinds.has(kind)) return undefined;
  const value = valueOf(doc, where);
  const { workloads, skipped } = findWorkloads(value);
  for (const line of skipped) result.notes.push(line);
  const edits: Edit[] = [];
  for (const workload of workloads) {
    const plan = planWorkload(value, workload, context);
    if ('problems' in plan) {
      result.uninjectable.push({ what: `${where}: ${plan.what}`, problems: plan.problems });
      continue;
    }
    for (const line of plan.notes) result.notes.push(line);
    if (plan.edits.length === 0) continue;
    const server = serverFieldEdits(value, workload.objectMeta.slice(0, -1));
    if (server.removed.length > 0) result.notes.push(`${workload.what}: removed what the API server owns, so the output can be applied: ${server.removed.join(', ')}`);
    edits.push(...server.edits, ...plan.edits);
  }
  if (edits.length === 0) return undefined;
  const final = withEdits(value, edits);
  const [start, end] = isMap(value) && doc.range !== undefined ? [doc.range[0], doc.range[2]] : [0, source.length];
  return documentSplices(source, doc, edits, final, { ...detectStyle(source.slice(start, end)), json: context.json });
}

/** JSON input (one object, as kubectl get -o json prints) gets JSON text, indented by the unit it uses. */
function jsonIndent(source: string): string | undefined {
  if (!/^\s*[{[]/.test(source)) return undefined;
  try {
    JSON.parse(source);
  } catch {
    return undefined;
  }
  return /^[{[][ \t]*\r?\n([ \t]+)\S/.exec(source.trimStart())?.[1] ?? '  ';
}
