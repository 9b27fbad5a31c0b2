// Keys out of a flow map (JSON from kubectl get, or flow YAML), taking the map's own lines
// and commas with them: each removed pair that starts its own line goes with that line (and
// the lines of its value); when the map's last pairs go, so does the comma after the last
// one kept. Pairs that share a line with others are not cut out of it: the caller writes the
// map again instead.
import type { Node, Pair, YAMLMap } from 'yaml';
import type { Splice } from './splice.ts';

const lineStart = (source: string, offset: number): number => source.lastIndexOf('\n', offset - 1) + 1;
const startsLine = (source: string, offset: number): boolean => source.slice(lineStart(source, offset), offset).trim() === '';
const keyStart = (pair: Pair): number => (pair.key as Node).range![0];
const pairEnd = (pair: Pair): number => ((pair.value ?? pair.key) as Node).range![1];

export function flowDeletes(source: string, map: YAMLMap, removed: ReadonlySet<Pair>): Splice[] | undefined {
  const items = map.items as Pair[];
  if (!items.every((pair) => startsLine(source, keyStart(pair)))) return undefined;
  const splices: Splice[] = [];
  items.forEach((pair, index) => {
    if (!removed.has(pair)) return;
    const next = items[index + 1];
    const newline = source.indexOf('\n', pairEnd(pair));
    const end = next !== undefined ? lineStart(source, keyStart(next)) : newline === -1 ? source.length : newline + 1;
    splices.push({ start: lineStart(source, keyStart(pair)), end, text: '' });
  });
  const kept = items.filter((pair) => !removed.has(pair));
  const lastKept = kept.at(-1);
  if (lastKept !== undefined && lastKept !== items.at(-1)) {
    const comma = source.indexOf(',', pairEnd(lastKept));
    if (comma !== -1 && source.slice(pairEnd(lastKept), comma).trim() === '') splices.push({ start: comma, end: comma + 1, text: '' });
  }
  return splices;
}
