// The run options of the stop's order and scope (issue 17): --stop-order, --no-recognize,
// --native-sidecar, --keep-sidecars-on-failure, normalized once into StopOptions fields.
import type { PhaseSelector, StopOptions } from './config.ts';
import { describe, flag, single, type Raw } from './raw-options.ts';
import { anyOf, userRegExp } from './regex.ts';
import { UsageError } from './usage-error.ts';

export const defaultStopOrder = 'senders,proxies';

type RunStopFields = Pick<StopOptions, 'stopOrder' | 'recognize' | 'nativeSidecar' | 'keepSidecarsOnFailure'>;

export function runStopOptions(raw: Raw): RunStopFields {
  return {
    stopOrder: parseStopOrder(single(raw, 'stop-order') ?? defaultStopOrder, describe('stop-order')),
    recognize: !flag(raw, 'no-recognize'),
    nativeSidecar: nativeSidecarOption(raw.get('native-sidecar') ?? []),
    keepSidecarsOnFailure: flag(raw, 'keep-sidecars-on-failure'),
  };
}

/**
 * `senders,proxies` (the default), `all` (one phase, everything at once), or any list of phase
 * names and patterns: `senders` and `proxies` name recognition's roles (an unrecognised sidecar is
 * a sender); anything else is a regular expression matched against a recognised sidecar's id
 * (istio, fluent-bit, ...) and its main process's comm and command line.
 */
export function parseStopOrder(text: string, where: string): PhaseSelector[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`bad value ${JSON.stringify(text)} for ${where}: give phases separated by commas, e.g. senders,proxies or all`);
  if (items.includes('all')) {
    if (items.length > 1) throw new UsageError(`bad value ${JSON.stringify(text)} for ${where}: all is one phase for everything and stands alone`);
    return [{ name: 'all', kind: 'all' }];
  }
  const seen = new Set<string>();
  return items.map((item): PhaseSelector => {
    if (seen.has(item)) throw new UsageError(`bad value ${JSON.stringify(text)} for ${where}: ${item} is named twice`);
    seen.add(item);
    if (item === 'senders' || item === 'sender') return { name: 'senders', kind: 'senders' };
    if (item === 'proxies' || item === 'proxy') return { name: 'proxies', kind: 'proxies' };
    return { name: item, kind: 'pattern', pattern: userRegExp(item, where) };
  });
}

function nativeSidecarOption(values: readonly string[]): RegExp | undefined {
  const where = describe('native-sidecar');
  const patterns = values.flatMap((value) => (value === '' ? [] : [value]));
  if (patterns.length !== values.length) throw new UsageError(`empty value for ${where}: give a regular expression matching the native sidecar's main process, e.g. '^envoy '`);
  return anyOf(patterns, where);
}
