// Makes a plan's edits on a YAML document with the yaml package's Document API: only the
// nodes named by the edits change, so comments, key order and quoting elsewhere survive
// (the document is printed again, with the indentation its source used).
import { isScalar, isSeq, Scalar, visit, type Document, type Node } from 'yaml';
import type { Edit } from './plan.ts';

export function applyEdits(doc: Document, edits: readonly Edit[]): void {
  for (const edit of edits) {
    if (edit.op === 'set') {
      doc.setIn(edit.path, createNode(doc, edit.value));
    } else if (edit.op === 'prepend') {
      const seq = doc.getIn(edit.path, true);
      if (!isSeq(seq)) throw new Error(`inject: no sequence at ${edit.path.join('.')}`);
      // New words are quoted as the first old one is, so `["/app/run"]` stays in one style.
      const first = seq.items[0];
      const type = isScalar(first) && (first.type === 'QUOTE_DOUBLE' || first.type === 'QUOTE_SINGLE') ? first.type : undefined;
      seq.items.unshift(...edit.values.map((value) => {
        const scalar = new Scalar(value);
        if (type !== undefined) scalar.type = type;
        return scalar;
      }));
    } else {
      const seq = doc.getIn(edit.path, true);
      if (isSeq(seq)) seq.items.push(createNode(doc, edit.value));
      else doc.setIn(edit.path, createNode(doc, [edit.value]));
    }
  }
}

/** A list of words (a command) is written in flow style, as manifests usually spell commands. */
function createNode(doc: Document, value: unknown): Node {
  const node = doc.createNode(value);
  visit(node, {
    Seq: (_, seq) => {
      if (seq.items.length > 0 && seq.items.every((item) => isScalar(item) && typeof item.value === 'string')) seq.flow = true;
    },
  });
  return node;
}

export interface Layout {
  indent: number;
  indentSeq: boolean;
}

/** How the source indents maps and block sequences, so a changed document keeps its look. */
export function detectLayout(source: string): Layout {
  const nested = /^[^\s#-][^\n]*:[ \t]*\r?\n( +)[^\s#-]/m.exec(source);
  const indented = /^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1 +- /m.exec(source);
  const flush = /^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1- /m.exec(source);
  const indentSeq = flush === null || (indented !== null && indented.index < flush.index);
  return { indent: nested ? nested[1]!.length : 2, indentSeq };
}
