// inject over one input text: split it into its documents exactly as written, plan and
// apply the edits of each Job, CronJob and Pod, and put the stream together again. A
// document with no edits is copied from the source byte for byte (never printed again),
// so a whole chart's output can pass through. JSON input comes back as JSON.
import { Composer, CST, LineCounter, Parser, type Document } from 'yaml';

type Token = CST.Token;
import { applyEdits, detectLayout } from './apply.ts';
import type { InjectOptions } from './options.ts';
import { findWorkloads, InjectError, planWorkload } from './plan.ts';

export interface InjectResult {
  output: string;
  /** One line per decision, for stderr. */
  notes: string[];
}

/** `name` is how errors name the input: a file name or "stdin". */
export function injectText(source: string, name: string, options: InjectOptions): InjectResult {
  const json = jsonIndent(source);
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(source)];
  const docs = [...new Composer().compose(tokens)];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const position = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
      throw new InjectError(`bad YAML in ${name}${where}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
  }
  const documentTokens = tokens.filter((token) => token.type === 'document');
  if (documentTokens.length !== docs.length || tokens.map((token) => CST.stringify(token)).join('') !== source) {
    throw new InjectError(`${name}: cannot split it into documents exactly as written; nothing was changed`);
  }

  const notes: string[] = [];
  const texts = new Map<unknown, string>();
  docs.forEach((doc, index) => {
    const changed = injectDocument(doc, options, notes, `${name}, document ${index + 1}`);
    if (!changed) return;
    if (json !== undefined) {
      texts.set(documentTokens[index], JSON.stringify(doc.toJS(), null, json.indent) + json.end);
      return;
    }
    // The `...` after a document is its own token, copied below; printing it here would double it.
    doc.directives!.docEnd = false;
    const layout = detectLayout(CST.stringify(documentTokens[index]!));
    texts.set(documentTokens[index], doc.toString({ ...layout, lineWidth: 0, flowCollectionPadding: false }));
  });
  return { output: assemble(tokens, texts), notes };
}

/**
 * The stream again: each token as written, a changed document as printed. Comments before a
 * document's `---` belong to it (the Composer gives them to the document), so a changed
 * document prints them itself and its preceding comment tokens are left out.
 */
function assemble(tokens: readonly Token[], texts: ReadonlyMap<unknown, string>): string {
  const parts = tokens.map((token) => CST.stringify(token));
  tokens.forEach((token, index) => {
    const text = texts.get(token);
    if (text === undefined) return;
    parts[index] = text;
    for (let before = index - 1; before >= 0 && ['comment', 'newline', 'space'].includes(tokens[before]!.type); before--) parts[before] = '';
  });
  return parts.join('');
}

/** Plans and applies the edits of every workload in the document; true when something changed. */
function injectDocument(doc: Document, options: InjectOptions, notes: string[], where: string): boolean {
  const value: unknown = doc.toJS();
  const { workloads, skipped } = findWorkloads(value);
  notes.push(...skipped);
  let changed = false;
  for (const workload of workloads) {
    let plan;
    try {
      plan = planWorkload(value, workload, options);
    } catch (error) {
      if (error instanceof InjectError) throw new InjectError(`${where}: ${error.message}`);
      throw error;
    }
    notes.push(...plan.notes);
    applyEdits(doc, plan.edits);
    changed ||= plan.edits.length > 0;
  }
  return changed;
}

/** JSON input (one object, as kubectl get -o json prints) is written back as JSON with its indentation. */
function jsonIndent(source: string): { indent: string | number; end: string } | undefined {
  if (!/^\s*[{[]/.test(source)) return undefined;
  try {
    JSON.parse(source);
  } catch {
    return undefined;
  }
  const indent = /^[{[][ \t]*\r?\n([ \t]+)\S/.exec(source.trimStart())?.[1] ?? 2;
  return { indent, end: /\n$/.test(source) ? '\n' : '' };
}
