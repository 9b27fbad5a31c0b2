// The inject subcommand as main() runs it: read every input (files, or stdin for none or
// '-'), transform them all, and only then write stdout: a failure writes nothing there,
// since a half-written stream would be applied by the next command in the pipe. Decisions
// go to stderr, one line each; every failure is one line and exit 125.
import { readFileSync } from 'node:fs';
import { ExitCode } from '../exit-codes.ts';
import { injectText } from './inject.ts';
import type { InjectOptions } from './options.ts';
import { InjectError } from './plan.ts';

export interface InjectIo {
  readFile: (path: string) => string;
  readStdin: () => string;
  writeStdout: (text: string) => Promise<void>;
  writeStderr: (line: string) => void;
}

export async function runInject(options: InjectOptions, io: InjectIo = processIo): Promise<number> {
  const inputs = options.files.length === 0 ? ['-'] : options.files;
  const outputs: string[] = [];
  const notes: string[] = [];
  try {
    for (const input of inputs) {
      const name = input === '-' ? 'stdin' : input;
      const result = injectText(read(input, io), name, options);
      outputs.push(result.output);
      notes.push(...result.notes);
    }
  } catch (error) {
    if (!(error instanceof InjectError)) throw error;
    io.writeStderr(`jobdone: inject: ${error.message}`);
    return ExitCode.jobdoneError;
  }
  for (const note of notes) io.writeStderr(`jobdone: inject: ${note}`);
  await io.writeStdout(joinStreams(outputs));
  return 0;
}

function read(input: string, io: InjectIo): string {
  try {
    return input === '-' ? io.readStdin() : io.readFile(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InjectError(`cannot read ${input === '-' ? 'stdin' : input} (${code}): give a YAML or JSON file, or - for stdin`);
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
  readFile: (path) => readFileSync(path, 'utf8'),
  readStdin: () => readFileSync(0, 'utf8'),
  // Resolves once the text is handed to the OS: on macOS pipes are asynchronous, and
  // process.exit() right after write() would cut the stream short.
  writeStdout: (text) => new Promise((resolve, reject) => {
    if (text === '') return resolve();
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  }),
  writeStderr: (line) => { process.stderr.write(`${line}\n`); },
};
