// jobdone inject's options, normalized once from the parsed flags: how jobdone gets into the
// pod, which container it wraps, how presets are chosen, and the run's own options, which
// go into the wrapped command as they were given (flags only, in the option table's order,
// so the same flags always give the same manifest).
import { optionSpecs } from '../config/options.ts';
import { parseDuration } from '../duration.ts';
import { version } from '../version.ts';
import { parseContainerChoice, type ContainerChoice } from './choose.ts';

export type Via = 'init' | 'image-volume' | 'baked';
export const vias: readonly Via[] = ['init', 'image-volume', 'baked'];
export type ImageSource = 'registry' | 'docker' | 'podman' | 'none';
export const imageSources: readonly ImageSource[] = ['registry', 'docker', 'podman', 'none'];

export interface InjectOptions {
  /** Input files; '-' is stdin. Empty: stdin. */
  files: string[];
  via: Via;
  image: string;
  /** --container values, in order. */
  containers: ContainerChoice[];
  skipUninjectable: boolean;
  imageSource: ImageSource;
  /** os/arch, e.g. linux/amd64. */
  platform: string;
  registryTimeoutMs: number;
  /** Find presets from the manifest. */
  detectPresets: boolean;
  /** Container name -> the command its image's ENTRYPOINT would run. */
  commandFor: ReadonlyMap<string, readonly string[]>;
  force: boolean;
  /** The run's options for the wrapped command, e.g. ['--grace', '20s', '--preset', 'istio']. */
  jobdoneArgs: string[];
  /** Preset names given with --preset (before any ':'). */
  explicitPresets: string[];
}

/** Bad inject-only input; the caller turns it into its usage error (exit 125). */
export class InjectOptionError extends Error {}

export const defaultImage = `jobdone:${version}`;

type Raw = ReadonlyMap<string, readonly string[]>;

const last = (raw: Raw, name: string): string | undefined => raw.get(name)?.at(-1);

export function injectOptions(raw: Raw, positional: readonly string[]): InjectOptions {
  const via = last(raw, 'via') ?? 'init';
  if (!(vias as readonly string[]).includes(via)) {
    throw new InjectOptionError(`bad value ${JSON.stringify(via)} for --via (JOBDONE_VIA): use ${vias.join(', ')}`);
  }
  const image = last(raw, 'image') ?? defaultImage;
  if (image.trim() === '' || /\s/.test(image)) throw new InjectOptionError(`bad image reference ${JSON.stringify(image)} for --image (JOBDONE_IMAGE): e.g. registry.example.com/jobdone:${version}`);
  const presetsMode = last(raw, 'presets');
  if (presetsMode !== undefined && presetsMode !== 'auto' && presetsMode !== 'none') {
    throw new InjectOptionError(`bad value ${JSON.stringify(presetsMode)} for --presets (JOBDONE_PRESETS): use auto or none`);
  }
  const explicitPresets = (raw.get('preset') ?? []).flatMap((value) => value.split(',')).map((item) => item.split(':')[0]!.trim()).filter((name) => name !== '' && !name.includes('='));
  const containers = (raw.get('container') ?? []).map((value) => {
    const choice = parseContainerChoice(value);
    if (choice === undefined) throw new InjectOptionError(`bad value ${JSON.stringify(value)} for --container (JOBDONE_CONTAINER): give NAME, or WORKLOAD=NAME (WORKLOAD: a name or kind/name), e.g. migrate=main`);
    return choice;
  });
  return {
    files: [...positional],
    via: via as Via,
    image,
    containers,
    skipUninjectable: last(raw, 'skip-uninjectable') === 'true',
    ...imageReading(raw),
    // Explicit --preset flags say which presets the job needs; detection adds to them only when asked.
    detectPresets: presetsMode === 'auto' || (presetsMode === undefined && explicitPresets.length === 0),
    commandFor: commandForOption(raw.get('command-for') ?? []),
    force: last(raw, 'force') === 'true',
    jobdoneArgs: runArguments(raw),
    explicitPresets,
  };
}

function imageReading(raw: Raw): { imageSource: ImageSource; platform: string; registryTimeoutMs: number } {
  const source = last(raw, 'offline') === 'true' ? 'none' : last(raw, 'image-source') ?? 'registry';
  if (!(imageSources as readonly string[]).includes(source)) throw new InjectOptionError(`bad value ${JSON.stringify(source)} for --image-source (JOBDONE_IMAGE_SOURCE): use ${imageSources.join(', ')}`);
  const platform = last(raw, 'platform') ?? 'linux/amd64';
  if (!/^[a-z0-9]+\/[a-z0-9]+$/.test(platform)) throw new InjectOptionError(`bad value ${JSON.stringify(platform)} for --platform (JOBDONE_PLATFORM): OS/ARCH, e.g. linux/amd64 or linux/arm64`);
  const timeout = last(raw, 'registry-timeout');
  const registryTimeoutMs = timeout === undefined ? 10_000 : parseDuration(timeout);
  if (registryTimeoutMs === undefined || registryTimeoutMs <= 0) throw new InjectOptionError(`bad value ${JSON.stringify(timeout)} for --registry-timeout (JOBDONE_REGISTRY_TIMEOUT): a duration, e.g. 10s`);
  return { imageSource: source as ImageSource, platform, registryTimeoutMs };
}

function commandForOption(values: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const item of values) {
    const equals = item.indexOf('=');
    const name = equals === -1 ? '' : item.slice(0, equals).trim();
    const text = item.slice(equals + 1).trim();
    const command = name === '' ? undefined : parseCommand(text);
    if (command === undefined || command.length === 0) {
      throw new InjectOptionError(`bad value ${JSON.stringify(item)} for --command-for: expected NAME=CMD, e.g. main=/app/migrate or main='["/app/run", "--all"]'`);
    }
    map.set(name, command);
  }
  return map;
}

function parseCommand(text: string): string[] | undefined {
  if (!text.startsWith('[')) return text.split(/\s+/).filter((word) => word !== '');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((word) => typeof word === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The run's options as flags, in the option table's order. */
function runArguments(raw: Raw): string[] {
  const args: string[] = [];
  for (const spec of optionSpecs) {
    if (!spec.for.includes('inject') || !spec.for.includes('run')) continue;
    const values = raw.get(spec.name);
    if (values === undefined) continue;
    if (spec.kind === 'flag') {
      if (values.at(-1) === 'true') args.push(`--${spec.name}`);
    } else {
      for (const value of spec.kind === 'list' ? values : values.slice(-1)) args.push(`--${spec.name}`, value);
    }
  }
  return args;
}
