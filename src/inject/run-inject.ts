// The inject subcommand as main() runs it: read every input (files, or stdin for none or
// '-'), read the images whose command the manifests lack, transform them all, and only then
// write stdout: a failure writes nothing there, since a half-written stream would be applied
// by the next command in the pipe. Decisions go to stderr, one line each. Workloads that
// cannot be injected are listed all at once (exit 125), or with --skip-uninjectable left as
// they are, one warning each. Bytes come back as they came: input that is not UTF-8 is read
// and written as Latin-1, one character per byte.
import { readFileSync } from 'node:fs';
import { ExitCode } from '../exit-codes.ts';
import { readerFor, readImages, recordingLookup } from './images.ts';
import { injectText, type InjectResult } from './inject.ts';
import type { InjectOptions } from './options.ts';
import { InjectError } from './plan.ts';

export interface InjectIo {
  readFile: (path: string) => string | Buffer;
  readStdin: () => string | Buffer;
  writeStdout: (text: string | Buffer) => Promise<void>;
  writeStderr: (line: string) => void;
}

interface Input { name: string; text: string; latin1: boolean }

export async function runInject(options: InjectOptions, io: InjectIo = processIo): Promise<number> {
  const say = (line: string): void => io.writeStderr(`jobdone: inject: ${line}`);
  let results: InjectResult[];
  let inputs: Input[];
  try {
    inputs = (options.files.length === 0 ? ['-'] : options.files).map((input) => decode(input, read(input, io)));
    // First pass: which images the plans need. With none (the usual case) it is the answer.
    const recorder = recordingLookup();
    results = inputs.map((input) => injectText(input.text, input.name, { options, images: recorder.lookup }));
    if (recorder.wanted.size > 0) {
      const images = await readImages(recorder.wanted.values(), readerFor(options), options.registryTimeoutMs);
      results = inputs.map((input) => injectText(input.text, input.name, { options, images }));
    }
  } catch (error) {
    if (!(error instanceof InjectError)) throw error;
    say(error.message);
    return ExitCode.jobdoneError;
  }
  const uninjectable = results.flatMap((result) => result.uninjectable);
  if (uninjectable.length > 0 && !options.skipUninjectable) {
    const problems = uninjectable.flatMap((item) => item.problems.map((problem) => `${item.what}: cannot inject: ${problem}`));
    // One problem is one line, as every refusal is; several are one line each and a count.
    if (problems.length === 1) say(`${problems[0]}; nothing was written (--skip-uninjectable leaves such a workload unchanged)`);
    else for (const line of [...problems, `${uninjectable.length} workload(s) cannot be injected; nothing was written (--skip-uninjectable leaves them unchanged instead)`]) say(line);
    return ExitCode.jobdoneError;
  }
  for (const result of results) for (const note of result.notes) say(note);
  for (const item of uninjectable) say(`${item.what}: left unchanged (--skip-uninjectable): ${item.problems.join('; ')}`);
  const text = joinStreams(results.map((result) => result.output));
  await io.writeStdout(inputs.some((input) => input.latin1) ? Buffer.from(text, 'latin1') : text);
  return 0;
}

function read(input: string, io: InjectIo): string | Buffer {
  try {
    return input === '-' ? io.readStdin() : io.readFile(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InjectError(`cannot read ${input === '-' ? 'stdin' : input} (${code}): give a YAML or JSON file, or - for stdin`);
  }
}

function decode(input: string, data: string | Buffer): Input {
  const name = input === '-' ? 'stdin' : input;
  if (typeof data === 'string') return { name, text: data, latin1: false };
  try {
    return { name, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data), latin1: false };
  } catch {
    return { name, text: data.toString('latin1'), latin1: true };
  }
}

/** Several files make one stream: each starts a new document. */
export function joinStreams(outputs: readonly string[]): string {
  let stream = '';
  for (const output of outputs) {
    if (output === '') continue;
    if (stream !== '') {
      if (!stream.endsWith('\n')) stream += '\n';
      if (!/^---(\s|$)/.test(output)) stream += '---\n';
    }
    stream += output;
  }
  return stream;
}

const processIo: InjectIo = {
  readFile: (path) => readFileSync(path),
  readStdin: () => readFileSync(0),
  // Resolves once the text is handed to the OS: on macOS pipes are asynchronous, and
  // process.exit() right after write() would cut the stream short.
  writeStdout: (text) => new Promise((resolve, reject) => {
    if (text.length === 0) return resolve();
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  }),
  writeStderr: (line) => { process.stderr.write(`${line}\n`); },
};
