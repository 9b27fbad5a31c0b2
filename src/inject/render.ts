// New text for what inject adds, in the style of the document it goes into: block YAML
// indented like its neighbours, flow YAML inside flow collections, the document's own line
// ends, and command words quoted the way the command's first word is.
import { Document, isScalar, isSeq, stringify, visit, type Node } from 'yaml';

export interface Style {
  /** '\n' or '\r\n', as the document ends its lines. */
  newline: string;
  /** Spaces per level. */
  indent: number;
  /** `key:\n  - item` (true) or `key:\n- item` (false). */
  indentSeq: boolean;
  /** A JSON document (kubectl get -o json): new text is JSON too, indented by this unit. */
  json?: string;
}

/** How the document indents maps and block sequences and ends its lines. */
export function detectStyle(source: string): Style {
  const nested = /^[^\s#-][^\n]*:[ \t]*\r?\n( +)[^\s#-]/m.exec(source);
  const indented = /^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1 +- /m.exec(source);
  const flush = /^( *)[^\s#-][^\n]*:[ \t]*\r?\n\1- /m.exec(source);
  const indentSeq = flush === null || (indented !== null && indented.index < flush.index);
  return { newline: source.includes('\r\n') ? '\r\n' : '\n', indent: nested ? nested[1]!.length : 2, indentSeq };
}

/** A value as a YAML node; lists of words (commands, args) in flow style, as manifests spell them. */
function node(value: unknown, flow: boolean): Node {
  const doc = new Document();
  const created = doc.createNode(value, { flow });
  visit(created, {
    Seq: (_, seq) => {
      if (seq.items.length > 0 && seq.items.every((item) => isScalar(item) && typeof item.value === 'string')) seq.flow = true;
    },
  });
  return created;
}

// Thousands of Jobs in one stream get the same init container: each text is made once.
const made = new Map<string, string>();
function memo(key: unknown[], make: () => string): string {
  const id = JSON.stringify(key);
  let text = made.get(id);
  if (text === undefined) {
    if (made.size > 1000) made.clear();
    text = make();
    made.set(id, text);
  }
  return text;
}

/** One line of flow YAML, e.g. `{name: jobdone, emptyDir: {}}`. */
export function renderFlow(value: unknown): string {
  return memo(['flow', value], () => stringify(node(value, true), { lineWidth: 0, flowCollectionPadding: false }).trimEnd());
}

/** A value in flow context: flow YAML, or in a JSON document JSON laid out as its own (continuation lines start with `pad`). */
export function renderInline(value: unknown, style: Style, pad: string): string {
  if (style.json === undefined) return renderFlow(value);
  return JSON.stringify(value, null, style.json).replaceAll('\n', `${style.newline}${pad}`);
}

/** A key in flow context. */
export function renderKey(key: string, style: Style): string {
  return style.json === undefined ? key : JSON.stringify(key);
}

/** `key: value` as block lines, each starting with `indent` spaces, each ending with the newline. */
export function renderBlockPair(key: string, value: unknown, indent: number, style: Style): string {
  return memo(['pair', key, value, indent, style], () => blockPair(key, value, indent, style));
}

function blockPair(key: string, value: unknown, indent: number, style: Style): string {
  const doc = new Document({ [key]: null });
  doc.set(key, node(value, false));
  return reindent(doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0, flowCollectionPadding: false }), indent, style);
}

/** `- item` as block lines at `indent`. */
export function renderBlockItem(value: unknown, indent: number, style: Style): string {
  return memo(['item', value, indent, style], () => blockItem(value, indent, style));
}

function blockItem(value: unknown, indent: number, style: Style): string {
  const text = stringify(node(value, false), { indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0, flowCollectionPadding: false });
  const pad = ' '.repeat(2);
  const lines = text.replace(/\n$/, '').split('\n').map((line, index) => (index === 0 ? `- ${line}` : `${pad}${line}`));
  return reindent(`${lines.join('\n')}\n`, indent, style);
}

function reindent(text: string, indent: number, style: Style): string {
  const pad = ' '.repeat(indent);
  return text.replace(/\n$/, '').split('\n').map((line) => `${pad}${line}${style.newline}`).join('');
}

export type Quote = 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'PLAIN';

/** The quoting of a sequence's first word, for words put in front of it. */
export function quoteOf(seq: Node): Quote {
  const first = isSeq(seq) ? seq.items[0] : undefined;
  return isScalar(first) && (first.type === 'QUOTE_DOUBLE' || first.type === 'QUOTE_SINGLE') ? first.type : 'PLAIN';
}

/** One word as a scalar that reads back as that string, in `quote` where it can be. */
export function renderWord(word: string, quote: Quote, flow: boolean): string {
  if (quote === 'QUOTE_SINGLE' && !/[\n\r]/.test(word)) return `'${word.replaceAll("'", "''")}'`;
  if (quote === 'PLAIN') {
    const plain = stringify(word, { lineWidth: 0 }).trimEnd();
    const safe = !/^["'|>]/.test(plain) && !(flow && /[,[\]{}]/.test(plain)) && !plain.includes('\n');
    if (safe) return plain;
  }
  return JSON.stringify(word);
}
