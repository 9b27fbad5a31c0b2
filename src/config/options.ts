// The option table: one entry per option, the single source for parsing,
// environment variables (JOBDONE_<NAME>), --help and the README's table.
import { version } from '../version.ts';

export type OptionKind = 'flag' | 'value' | 'list';
export type Subcommand = 'run' | 'ps' | 'sidecar' | 'install' | 'inject';

export interface OptionSpec {
  /** Long name without dashes; the environment variable is JOBDONE_ + NAME in upper snake case. */
  name: string;
  short?: string;
  /** flag: no value; value: one value, the last one wins; list: repeatable, values accumulate. */
  kind: OptionKind;
  /** Placeholder in --help, e.g. DURATION. */
  metavar?: string;
  help: string;
  /** Shown in --help and the README; the real default lives in parse.ts. */
  defaultText?: string;
  /** Subcommands that accept it. */
  for: readonly Subcommand[];
  /** Not configurable from the environment (--help, --version). */
  noEnv?: boolean;
  /** An empty value (flag or JOBDONE_* variable) means something ("off") instead of "unset". */
  emptyIsValue?: boolean;
}

const runLike: Subcommand[] = ['run', 'ps', 'inject'];

export const optionSpecs: readonly OptionSpec[] = [
  { name: 'grace', kind: 'value', metavar: 'DURATION', defaultText: '10s', for: runLike,
    help: 'time the sidecars get after the stop signal before SIGKILL (500ms, 10s, 2m; a bare number is seconds)' },
  { name: 'signal', kind: 'value', metavar: 'SIG', defaultText: 'TERM', for: runLike,
    help: 'signal sent to each sidecar (name or number: TERM, SIGINT, 15)' },
  { name: 'signal-for', kind: 'list', metavar: 'COMM=SIG', for: runLike,
    help: 'signal for processes with this comm, e.g. nginx=QUIT (repeatable; env: comma-separated)' },
  { name: 'only', kind: 'value', metavar: 'REGEX', for: runLike,
    help: 'signal only processes whose comm or command line matches (--only sleep is the old `pkill sleep`)' },
  { name: 'skip', kind: 'value', metavar: 'REGEX', for: runLike,
    help: 'never touch processes whose comm or command line matches, nor containers whose main process does' },
  { name: 'no-kill', kind: 'flag', for: runLike,
    help: 'never SIGKILL: when the grace period ends, log what is still running and exit' },
  { name: 'allow-host-pid', kind: 'flag', for: runLike,
    help: 'stop processes, and let --wait-process find them, even when the host PID namespace is visible (hostPID: true); dangerous' },
  { name: 'stop-order', kind: 'value', metavar: 'ORDER', defaultText: 'senders,proxies', for: runLike,
    help: 'the phases of the stop, comma-separated: senders (log and telemetry agents, vault agent, unrecognised sidecars), proxies, a recognised sidecar id or a regex on the main process; all: everything at once' },
  { name: 'no-recognize', kind: 'flag', for: runLike,
    help: 'do not recognise known sidecars (Istio, Linkerd, log shippers, ...): every sidecar is a sender stopped by --signal' },
  { name: 'native-sidecar', kind: 'list', metavar: 'REGEX', for: runLike,
    help: 'a native sidecar (init container with restartPolicy: Always), matched on its main process: never signalled, left to the kubelet (repeatable)' },
  { name: 'keep-sidecars-on-failure', kind: 'flag', for: ['run', 'inject'],
    help: 'when the job fails (non-zero, signal, timeout) exit at once and leave the sidecars running, for restartPolicy: OnFailure' },
  { name: 'dry-run', kind: 'flag', for: ['run', 'inject'],
    help: 'run the job, then log what would be sent to whom, and send nothing' },
  { name: 'timeout', kind: 'value', metavar: 'DURATION', for: ['run', 'inject'],
    help: 'deadline for the job: SIGTERM when it passes, SIGKILL after the grace period, exit 124 (as GNU timeout)' },
  { name: 'termination-log', kind: 'value', metavar: 'PATH', defaultText: '/dev/termination-log', for: ['run', 'sidecar', 'inject'], emptyIsValue: true,
    help: "write a one-line summary here at exit (kubectl describe pod shows it); '' turns it off" },
  { name: 'termination-format', kind: 'value', metavar: 'text|json', defaultText: 'text', for: ['run', 'inject'],
    help: 'the termination message as one line of text, or one JSON object of at most 4096 bytes (docs/termination.schema.json)' },
  { name: 'json', kind: 'flag', for: ['ps'], help: 'print the processes and planned actions as JSON' },
  { name: 'exit-code-on-stop', kind: 'value', metavar: 'N', defaultText: '0', for: ['sidecar'],
    help: 'exit code when CMD dies of a signal jobdone forwarded to it (a requested stop)' },
  { name: 'log-format', kind: 'value', metavar: 'text|json', defaultText: 'text', for: ['run', 'ps', 'sidecar', 'inject'],
    help: 'log lines on stderr as text or as JSON lines' },
  { name: 'quiet', short: 'q', kind: 'flag', for: ['run', 'ps', 'sidecar', 'inject'], help: 'log errors only' },
  { name: 'verbose', short: 'v', kind: 'flag', for: ['run', 'ps', 'sidecar', 'inject'], help: 'log debug lines too' },
  { name: 'preset', kind: 'list', metavar: 'NAME[:KEY=VALUE]', for: runLike,
    help: 'wait for and stop a known sidecar through its endpoints: istio, envoy, linkerd, cloud-sql-proxy, dapr; overrides host=, port=, ready-port=, shutdown-port=, ready=off, shutdown=off (repeatable)' },
  { name: 'wait-http', kind: 'list', metavar: 'URL', for: ['run', 'inject'],
    help: 'before the job starts, wait until GET URL answers 2xx (repeatable; all gates must pass)' },
  { name: 'wait-tcp', kind: 'list', metavar: 'HOST:PORT', for: ['run', 'inject'],
    help: 'before the job starts, wait until a TCP connection to HOST:PORT opens (repeatable)' },
  { name: 'wait-process', kind: 'list', metavar: 'NAME', for: ['run', 'inject'],
    help: 'before the job starts, wait until a process with this comm or command in another container runs (repeatable)' },
  { name: 'wait-file', kind: 'list', metavar: 'PATH', for: ['run', 'inject'],
    help: 'before the job starts, wait until PATH exists (repeatable)' },
  { name: 'wait-timeout', kind: 'value', metavar: 'DURATION', defaultText: '60s', for: ['run', 'inject'],
    help: 'how long the gates may take; then the job is not started, the sidecars are stopped and jobdone exits 124' },
  { name: 'wait-timeout-start', kind: 'flag', for: ['run', 'inject'],
    help: 'when the gates time out, start the job anyway (with a warning) instead of exiting 124' },
  { name: 'shutdown-http', kind: 'list', metavar: '[METHOD ]URL', for: ['run', 'inject'],
    help: 'after the job, call this endpoint (POST by default) before any signal (repeatable)' },
  { name: 'allow-remote-endpoints', kind: 'flag', for: runLike,
    help: 'allow wait and shutdown endpoints that are not loopback addresses (127.0.0.0/8, ::1, localhost)' },
  { name: 'proc-root', kind: 'value', metavar: 'PATH', defaultText: '/proc', for: runLike,
    help: 'where the pod\'s /proc is mounted' },
  { name: 'via', kind: 'value', metavar: 'init|image-volume|baked', defaultText: 'init', for: ['inject'],
    help: 'how jobdone gets into the pod: an initContainer copying it into an emptyDir, an image volume, or already in the image' },
  { name: 'image', kind: 'value', metavar: 'REF', defaultText: `jobdone:${version}`, for: ['inject'],
    help: 'the jobdone image for --via init and image-volume (no image is published: build and push it, then name it here)' },
  { name: 'container', kind: 'list', metavar: '[WORKLOAD=]NAME', for: ['inject'],
    help: 'the job container to wrap when the kubectl.kubernetes.io/default-container annotation names none: in WORKLOAD (its name, or kind/name), or in every workload that has one so named (repeatable); else the only container that is not a known sidecar' },
  { name: 'skip-uninjectable', kind: 'flag', for: ['inject'],
    help: 'leave workloads that cannot be injected (no readable command, hostPID, shareProcessNamespace: false) unchanged with a warning each, instead of refusing the whole input (for Helm post-renderers)' },
  { name: 'image-source', kind: 'value', metavar: 'registry|docker|podman|none', defaultText: 'registry', for: ['inject'],
    help: "where inject reads the command of an image for a container without command: its registry (Docker's credentials; plain HTTP for loopback registries), a local engine, or nowhere" },
  { name: 'offline', kind: 'flag', for: ['inject'],
    help: 'read no image (the same as --image-source none): a container without command needs --command-for' },
  { name: 'platform', kind: 'value', metavar: 'OS/ARCH', defaultText: 'linux/amd64', for: ['inject'],
    help: "the platform whose image to read from a multi-arch image, unless the pod's nodeSelector names kubernetes.io/arch" },
  { name: 'registry-timeout', kind: 'value', metavar: 'DURATION', defaultText: '10s', for: ['inject'],
    help: 'how long reading one image from its registry may take in all' },
  { name: 'presets', kind: 'value', metavar: 'auto|none', defaultText: 'auto', for: ['inject'],
    help: 'find --preset values from the manifest (Istio, Linkerd, Dapr annotations; a cloud-sql-proxy container); --preset flags turn it off unless --presets auto is given' },
  { name: 'command-for', kind: 'list', metavar: 'NAME=CMD', for: ['inject'],
    help: "the command of container NAME, instead of reading its image: what runs after jobdone's -- (the ENTRYPOINT, and the CMD when the container has no args): words split at spaces, or a JSON array (repeatable)" },
  { name: 'force', kind: 'flag', for: ['inject'],
    help: 'inject even where shareProcessNamespace: false is set' },
  { name: 'help', short: 'h', kind: 'flag', noEnv: true, for: ['run', 'ps', 'sidecar', 'install', 'inject'], help: 'show this help and exit' },
  { name: 'version', kind: 'flag', noEnv: true, for: ['run'], help: 'print the version and exit' },
];

export function envName(spec: OptionSpec): string {
  return 'JOBDONE_' + spec.name.toUpperCase().replace(/-/g, '_');
}

/** The option a command-line token names (--name, --name=VALUE, -x) among these, and its inline value. */
export function optionForToken(token: string, specs: readonly OptionSpec[]): { spec: OptionSpec; inlineValue: string | undefined } | undefined {
  const equals = token.indexOf('=');
  const long = token.startsWith('--');
  const key = long ? token.slice(2, equals === -1 ? undefined : equals) : token.slice(1);
  const spec = specs.find((candidate) => (long ? candidate.name === key : candidate.short === key));
  return spec && { spec, inlineValue: long && equals !== -1 ? token.slice(equals + 1) : undefined };
}
