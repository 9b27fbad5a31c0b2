// The commands of the images inject needs, read once each (a cache for the run), all at once,
// each within --registry-timeout: from the registry, a local engine (`docker|podman image
// inspect`, which never pulls), or nowhere (--offline). The answers feed the pure plan.
import { execFile } from 'node:child_process';
import type { ImageAnswer, ImageCommand, ImageLookup } from './command.ts';
import { parseImageRef } from './image-ref.ts';
import type { InjectOptions } from './options.ts';
import { readImageCommand } from './registry.ts';

export type ImageReader = (image: string, platform: string, signal: AbortSignal) => Promise<ImageCommand>;

const key = (image: string, platform: string): string => `${image} ${platform}`;

/** Records what a plan asks for, answering as if each image had a command. */
export function recordingLookup(): { lookup: ImageLookup; wanted: Map<string, { image: string; platform: string }> } {
  const wanted = new Map<string, { image: string; platform: string }>();
  const lookup: ImageLookup = (image, platform) => {
    wanted.set(key(image, platform), { image, platform });
    return { entrypoint: ['(pending)'], cmd: [] };
  };
  return { lookup, wanted };
}

export function readerFor(options: InjectOptions): ImageReader | undefined {
  if (options.imageSource === 'none') return undefined;
  if (options.imageSource === 'registry') {
    return async (image, platform, signal) => {
      const ref = parseImageRef(image);
      if (ref === undefined) throw new Error('not an image reference');
      return readImageCommand(ref, platform, signal);
    };
  }
  const engine = options.imageSource;
  return (image, _platform, signal) => new Promise((resolve, reject) => {
    execFile(engine, ['image', 'inspect', '--format', '{{json .Config}}', image], { signal, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${engine} is not installed` : stderr.trim().split('\n').at(-1) || error.message;
        reject(new Error(`${engine} image inspect: ${why} (inject does not pull: ${engine} pull ${image} first)`));
        return;
      }
      const config = JSON.parse(stdout) as { Entrypoint?: string[] | null; Cmd?: string[] | null } | null;
      resolve({ entrypoint: config?.Entrypoint ?? [], cmd: config?.Cmd ?? [] });
    });
  });
}

/** Reads every wanted image in parallel; the lookup answers from what was read. */
export async function readImages(wanted: Iterable<{ image: string; platform: string }>, reader: ImageReader | undefined, timeoutMs: number): Promise<ImageLookup> {
  const answers = new Map<string, ImageAnswer>();
  if (reader !== undefined) {
    const reads = new Map<string, Promise<ImageAnswer>>();
    for (const { image, platform } of wanted) {
      const id = key(image, platform);
      if (!reads.has(id)) reads.set(id, readOne(reader, image, platform, timeoutMs));
    }
    await Promise.all([...reads].map(async ([id, read]) => { answers.set(id, await read); }));
  }
  return (image, platform) => (reader === undefined ? undefined : answers.get(key(image, platform)) ?? { problem: `${image} was not read` });
}

async function readOne(reader: ImageReader, image: string, platform: string, timeoutMs: number): Promise<ImageAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await reader(image, platform, signal);
  } catch (error) {
    return { problem: `image ${image}: ${reason(error, signal, timeoutMs, parseImageRef(image)?.registry)}` };
  }
}

function reason(error: unknown, signal: AbortSignal, timeoutMs: number, registry: string | undefined): string {
  if (signal.aborted) return `no answer within ${timeoutMs / 1000}s (--registry-timeout)`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return `cannot reach its registry ${registry ?? ''} (${cause.code}${cause.code === 'ENOTFOUND' ? ': no such host' : ''})`.replace('  (', ' (');
  return error instanceof Error ? error.message : String(error);
}
