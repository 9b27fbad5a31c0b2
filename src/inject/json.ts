// The manifest as plain JSON values, the few reads inject makes of it, and the edits it makes.
export type Path = ReadonlyArray<string | number>;

export type Edit =
  /** Set a key (added at the end of its map when new) or replace a value. */
  | { op: 'set'; path: Path; value: unknown }
  /** Put items in front of an existing sequence, keeping its style and comments. */
  | { op: 'prepend'; path: Path; values: readonly string[] }
  /** Add an item at the end of a sequence, creating the sequence when missing. */
  | { op: 'append'; path: Path; value: unknown };

export type Json = Record<string, unknown>;

export interface Container {
  name?: unknown;
  image?: unknown;
  command?: unknown;
  args?: unknown;
  volumeMounts?: unknown;
  restartPolicy?: unknown;
}

export const isMap = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const at = (root: unknown, path: Path): unknown => path.reduce<unknown>((node, key) => (isMap(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined), root);
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'boolean' || typeof value === 'number' ? String(value) : undefined);
