// The manifest as plain JSON values, the few reads inject makes of it, and the edits it makes.
export type Path = ReadonlyArray<string | number>;

export type Edit =
  /** Set a key (added at the end of its map when new) or replace a value. */
  | { op: 'set'; path: Path; value: unknown }
  /** Put items in front of an existing sequence, keeping its style and comments. */
  | { op: 'prepend'; path: Path; values: readonly string[] }
  /** Add an item at the end of a sequence (`first`: at its start), creating the sequence when missing. */
  | { op: 'append'; path: Path; value: unknown; first?: boolean }
  /** Remove a key (what the API server owns, in kubectl get output). */
  | { op: 'delete'; path: Path };

export type Json = Record<string, unknown>;

export interface Container {
  name?: unknown;
  image?: unknown;
  command?: unknown;
  args?: unknown;
  volumeMounts?: unknown;
  restartPolicy?: unknown;
  resources?: unknown;
}

export const isMap = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const at = (root: unknown, path: Path): unknown => path.reduce<unknown>((node, key) => (isMap(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined), root);
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'boolean' || typeof value === 'number' ? String(value) : undefined);

/** A copy that shares nothing (toJS gives an alias the anchor's object), with the edits made. */
export function withEdits(value: unknown, edits: readonly Edit[]): unknown {
  const copy: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  const container = (path: Path): Record<string | number, unknown> => {
    let node = copy as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) {
      if (!isMap(node[step]) && !Array.isArray(node[step])) node[step] = {};
      node = node[step] as Record<string | number, unknown>;
    }
    return node;
  };
  for (const edit of edits) {
    const parent = container(edit.path);
    const key = edit.path.at(-1)!;
    if (edit.op === 'set') parent[key] = edit.value;
    else if (edit.op === 'delete') delete parent[key];
    else if (edit.op === 'prepend') parent[key] = [...edit.values, ...(parent[key] as unknown[])];
    else {
      const items = Array.isArray(parent[key]) ? parent[key] : [];
      parent[key] = edit.first === true ? [edit.value, ...items] : [...items, edit.value];
    }
  }
  return copy;
}
