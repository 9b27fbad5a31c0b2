// The plan's edits as changes to the source text (splices), not a new print of the document:
// what jobdone does not change stays byte for byte (flow stays flow, CRLF stays CRLF, folded
// strings, comments and their alignment). The yaml package's nodes give each value's source
// range; new text is rendered in the style around it (src/inject/render.ts). What the new
// text says comes from the workload's final value (the plan's edits applied to its JSON), so
// an edit reached through an alias or a merge key writes this container's own copy and never
// changes another container through a shared anchor.
import { isAlias, isMap, isScalar, isSeq, visit, type Alias, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { flowDeletes } from './flow-delete.ts';
import { at, type Edit, type Path } from './json.ts';
import { InjectError } from './plan.ts';
import { quoteOf, renderBlockItem, renderBlockPair, renderFlow, renderInline, renderKey, renderWord, type Style } from './render.ts';

export interface Splice { start: number; end: number; text: string }

type Located =
  | { kind: 'node'; node: Node; pair?: Pair; parent?: Node; chain: Node[] }
  /** An alias (or a null value) on the way: replaced by this path's final value. */
  | { kind: 'replace'; node: Node; path: Path; chain: Node[] }
  /** The map at `path` lacks `key` (or has it only through a merge key). */
  | { kind: 'missing'; map: YAMLMap; path: Path; key: string; chain: Node[] };

function locate(doc: Document, path: Path): Located {
  let node = doc.contents as Node | null;
  let pair: Pair | undefined;
  let parent: Node | undefined;
  const chain: Node[] = [];
  for (let depth = 0; depth < path.length; depth++) {
    const step = path[depth]!;
    if (node === null || isAlias(node) || (isScalar(node) && node.value === null)) return { kind: 'replace', node: node!, path: path.slice(0, depth), chain };
    chain.push(node);
    parent = node;
    if (isMap(node)) {
      pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
      if (pair === undefined) return { kind: 'missing', map: node, path: path.slice(0, depth), key: String(step), chain };
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      node = node.items[Number(step)] as Node;
      pair = undefined;
    } else {
      throw new Error(`inject: no collection at ${path.slice(0, depth).join('.')}`);
    }
  }
  // yaml gives `key:` a null scalar with a range; only an explicit `? key` has no value node at all.
  if (node === null) throw new InjectError(`a key without a value at ${path.join('.')}: write it as \`key: null\` or give it a value`);
  if (isAlias(node) || (isScalar(node) && node.value === null)) return { kind: 'replace', node, path, chain };
  return { kind: 'node', node, pair, parent, chain };
}

const column = (source: string, offset: number): number => offset - (source.lastIndexOf('\n', offset - 1) + 1);

/** Where the text of a value really ends: its last scalar's end (a collection's range also takes in the comments after it). */
function contentEnd(node: Node): number {
  if ((isMap(node) || isSeq(node)) && node.items.length > 0) {
    const last = node.items.at(-1)!;
    const inner = (isMap(node) ? ((last as Pair).value ?? (last as Pair).key) : last) as Node | null;
    if (inner !== null && inner.range !== undefined) return Math.max(contentEnd(inner), node.flow ? node.range![1] : 0);
  }
  return node.range![1];
}

/** Where a new line goes after `last` (a pair or an item): the start of the line after its value, before comments that belong further out. */
function lineAfter(source: string, last: Node | Pair, indent: number): number {
  const value = (isScalar(last) || isMap(last) || isSeq(last) || isAlias(last) ? last : ((last as Pair).value ?? (last as Pair).key)) as Node;
  let position = value.range![1];
  if (source[position - 1] !== '\n') {
    const newline = source.indexOf('\n', position);
    position = newline === -1 ? source.length : newline + 1;
  }
  const floor = contentEnd(value);
  for (;;) {
    const start = source.lastIndexOf('\n', position - 2) + 1;
    const line = source.slice(start, position);
    if (start < floor || !/^\s*(#.*)?\r?\n$/.test(line) || (line.trim() !== '' && column(source, start + line.search(/\S/)) >= indent)) return position;
    position = start;
  }
}

/** In a flow collection, the first entry that starts its own line: new entries go on a line of their own before it. */
function lineStartEntry(source: string, entries: readonly Node[]): { at: number; pad: string } | undefined {
  for (const entry of entries) {
    const start = entry.range![0];
    const lineStart = source.lastIndexOf('\n', start - 1) + 1;
    if (lineStart > 0 && source.slice(lineStart, start).trim() === '') return { at: lineStart, pad: source.slice(lineStart, start) };
  }
  return undefined;
}

/** Text at a position that may be the end of a file without a final newline. */
function atLineStart(source: string, position: number, text: string, style: Style): Splice {
  const prefix = position === source.length && position > 0 && source[position - 1] !== '\n' ? style.newline : '';
  return { start: position, end: position, text: prefix + text };
}

function insertKey(source: string, map: YAMLMap, key: string, value: unknown, style: Style): Splice {
  const last = map.items.at(-1);
  if (map.flow) {
    const own = lineStartEntry(source, map.items.map((pair) => pair.key as Node));
    if (own !== undefined) return { start: own.at, end: own.at, text: `${own.pad}${renderKey(key, style)}: ${renderInline(value, style, own.pad)},${style.newline}` };
    const end = last === undefined ? map.range![0] + 1 : ((last.value ?? last.key) as Node).range![1];
    return { start: end, end, text: `${last === undefined ? '' : ', '}${renderKey(key, style)}: ${renderInline(value, style, '')}` };
  }
  const indent = column(source, map.range![0]);
  return atLineStart(source, lineAfter(source, last!, indent), renderBlockPair(key, value, indent, style), style);
}

function editNode(source: string, found: Extract<Located, { kind: 'node' }>, edit: Edit, final: unknown, style: Style): Splice {
  const { node } = found;
  const [start, end] = node.range!;
  if (edit.op === 'prepend' && isSeq(node) && node.items.length > 0) {
    const quote = quoteOf(node);
    const words = edit.values.map((word) => renderWord(word, quote, node.flow === true));
    const first = (node.items[0] as Node).range![0];
    const text = node.flow ? words.map((word) => `${word}, `).join('') : words.map((word) => `- ${word}${style.newline}${' '.repeat(column(source, start))}`).join('');
    return { start: node.flow ? first : start, end: node.flow ? first : start, text };
  }
  if (edit.op === 'append' && isSeq(node) && edit.first === true && node.items.length > 0) return insertFirst(source, node, (at(final, edit.path) as unknown[])[0], style);
  if (edit.op === 'append' && isSeq(node)) {
    const value = at(final, edit.path) as unknown[];
    const item = value.at(-1);
    const last = node.items.at(-1) as Node | undefined;
    const word = typeof item === 'string' ? renderWord(item, quoteOf(node), node.flow === true) : undefined;
    const own = node.flow ? lineStartEntry(source, node.items as Node[]) : undefined;
    if (own !== undefined) return { start: own.at, end: own.at, text: `${own.pad}${word ?? renderInline(item, style, own.pad)},${style.newline}` };
    if (node.flow) {
      const position = last === undefined ? start + 1 : last.range![1];
      return { start: position, end: position, text: `${last === undefined ? '' : ', '}${word ?? renderInline(item, style, '')}` };
    }
    const indent = column(source, start);
    const lines = word === undefined ? renderBlockItem(item, indent, style) : `${' '.repeat(indent)}- ${word}${style.newline}`;
    return atLineStart(source, lineAfter(source, last!, indent), lines, style);
  }
  if (edit.op === 'delete' && found.pair !== undefined && found.parent !== undefined && !(found.parent as YAMLMap).flow) {
    const keyStart = (found.pair.key as Node).range![0];
    const lineStart = source.lastIndexOf('\n', keyStart - 1) + 1;
    const onlyKeyOnLine = source.slice(lineStart, keyStart).trim() === '';
    const stop = lineAfter(source, found.pair, Number.MAX_SAFE_INTEGER);
    return { start: onlyKeyOnLine ? lineStart : keyStart, end: stop, text: '' };
  }
  return { start, end, text: renderInline(at(final, edit.op === 'delete' ? edit.path.slice(0, -1) : edit.path), style, '') };
}

/** An item before a sequence's first: block lines of their own, or in flow its own line or right after `[`. */
function insertFirst(source: string, seq: YAMLSeq, item: unknown, style: Style): Splice {
  const first = (seq.items[0] as Node).range![0];
  if (!seq.flow) {
    const start = seq.range![0];
    return { start: source.lastIndexOf('\n', start - 1) + 1, end: source.lastIndexOf('\n', start - 1) + 1, text: renderBlockItem(item, column(source, start), style) };
  }
  const own = lineStartEntry(source, seq.items as Node[]);
  if (own !== undefined) return { start: own.at, end: own.at, text: `${own.pad}${renderInline(item, style, own.pad)},${style.newline}` };
  return { start: first, end: first, text: `${renderInline(item, style, '')}, ` };
}

/** Every alias of the document, by the node it stands for. */
function aliasesOf(doc: Document): Map<Node, Alias[]> {
  const found = new Map<Node, Alias[]>();
  visit(doc, {
    Alias: (_, alias) => {
      const target = alias.resolve(doc) as Node | undefined;
      if (target !== undefined) found.set(target, [...(found.get(target) ?? []), alias]);
    },
  });
  return found;
}

/** The splices for a document's edits; `final` is its value with the edits made. */
export function documentSplices(source: string, doc: Document, edits: readonly Edit[], final: unknown, style: Style): Splice[] {
  const splices: Splice[] = [];
  let aliases: Map<Node, Alias[]> | undefined;
  const expanded = new Set<Alias>();
  const flowRemovals = new Map<YAMLMap, { pairs: Set<Pair>; path: Path }>();
  for (const edit of edits) {
    const found = locate(doc, edit.path);
    if (edit.op === 'delete' && found.kind === 'node' && found.pair !== undefined && isMap(found.parent) && found.parent.flow === true) {
      const group = flowRemovals.get(found.parent) ?? { pairs: new Set<Pair>(), path: edit.path.slice(0, -1) };
      group.pairs.add(found.pair);
      flowRemovals.set(found.parent, group);
      continue;
    }
    // An anchored node on the way that aliases elsewhere repeat: those keep the old value, written out.
    for (const node of found.kind === 'node' ? [...found.chain, found.node] : found.chain) {
      if (node.anchor === undefined) continue;
      aliases ??= aliasesOf(doc);
      for (const alias of aliases.get(node) ?? []) {
        if (expanded.has(alias)) continue;
        expanded.add(alias);
        splices.push({ start: alias.range![0], end: alias.range![1], text: renderInline(node.toJS(doc), style, '') });
      }
    }
    if (found.kind === 'missing') {
      const path = [...found.path, found.key];
      if (edit.op !== 'delete') splices.push(insertKey(source, found.map, found.key, at(final, path), style));
    } else if (found.kind === 'replace') {
      // `key:` (nothing, or a comment after it) has an empty null scalar: keep a space on both sides.
      const [start, end] = found.node.range!;
      const before = start > 0 && !/\s/.test(source[start - 1]!) ? ' ' : '';
      const after = end < source.length && !/\s/.test(source[end]!) ? ' ' : '';
      splices.push({ start, end, text: `${before}${renderInline(at(final, found.path), style, '')}${after}` });
    } else {
      splices.push(editNode(source, found, edit, final, style));
    }
  }
  for (const [map, { pairs, path }] of flowRemovals) {
    splices.push(...flowDeletes(source, map, pairs) ?? [{ start: map.range![0], end: map.range![1], text: renderInline(at(final, path), style, '') }]);
  }
  return dropCovered(splices);
}

/** A splice that writes out a whole value makes the edits inside it already. */
function dropCovered(splices: readonly Splice[]): Splice[] {
  const kept: Splice[] = [];
  const seen = new Set<string>();
  for (const splice of splices) {
    const id = `${splice.start}:${splice.end}:${splice.text}`;
    if (seen.has(id)) continue;
    // An insertion at either end of a removed or rewritten range stays (new keys after a removed last one).
    const insertion = splice.start === splice.end;
    const inside = splices.some((other) => other !== splice && other.end > other.start && !(other.start === splice.start && other.end === splice.end)
      && (insertion ? other.start < splice.start && splice.end < other.end : other.start <= splice.start && splice.end <= other.end));
    if (inside) continue;
    seen.add(id);
    kept.push(splice);
  }
  return kept;
}

/** Spaces before new lines' text: at one position, an inner collection's item goes before an outer map's key. */
const depth = (splice: Splice): number => {
  if (splice.start !== splice.end) return 0;
  const [, spaces, dash] = /^(?:\r?\n)?( *)(- )?/.exec(splice.text)!;
  // A flush list (`key:\n- item`) is inside the key at its own column.
  return spaces!.length + (dash === undefined ? 0 : 0.5);
};

/** The text with the splices made; splices at one position go deepest first, else in their order. */
export function applySplices(source: string, splices: readonly Splice[]): string {
  const ordered = splices.map((splice, order) => ({ ...splice, order, depth: depth(splice) })).sort((a, b) => a.start - b.start || b.depth - a.depth || a.order - b.order);
  let out = '';
  let position = 0;
  for (const splice of ordered) {
    if (splice.start < position) continue;
    out += source.slice(position, splice.start) + splice.text;
    position = splice.end;
  }
  return out + source.slice(position);
}
