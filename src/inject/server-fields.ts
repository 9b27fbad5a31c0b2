// `kubectl get job X -o json|yaml` prints what the API server owns next to what the user wrote:
// applying it again as a new object fails (a Job's selector and controller-uid labels name the
// old Job's uid; uid, resourceVersion are refused on create). These are the fields the server
// sets (https://kubernetes.io/docs/reference/using-api/api-concepts/ and the Job controller's
// labels, https://kubernetes.io/docs/concepts/workloads/controllers/job/#specifying-your-own-pod-selector).
import { at, isMap, type Edit, type Path } from './json.ts';

const ownedMetadata = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'];
const controllerLabels = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

/** The deletions for one object at `objectPath` (kind from the object), or none when it never met a server. */
export function serverFieldEdits(doc: unknown, objectPath: Path): { edits: Edit[]; removed: string[] } {
  const object = at(doc, objectPath);
  if (!isMap(object) || !isMap(object.metadata)) return { edits: [], removed: [] };
  const metadata = object.metadata;
  if (metadata.uid === undefined && metadata.resourceVersion === undefined && object.status === undefined) return { edits: [], removed: [] };
  const edits: Edit[] = [];
  const removed: string[] = [];
  const drop = (path: Path, label: string): void => {
    if (at(doc, [...objectPath, ...path]) === undefined) return;
    edits.push({ op: 'delete', path: [...objectPath, ...path] });
    removed.push(label);
  };
  drop(['status'], 'status');
  for (const field of ownedMetadata) drop(['metadata', field], `metadata.${field}`);
  if (object.kind === 'Job') {
    // The server makes a new selector and labels for the new Job's uid, unless the user chose manualSelector.
    if (isMap(object.spec) && object.spec.manualSelector !== true) drop(['spec', 'selector'], 'spec.selector');
    for (const label of controllerLabels) {
      drop(['metadata', 'labels', label], `label ${label}`);
      drop(['spec', 'template', 'metadata', 'labels', label], `template label ${label}`);
    }
  }
  return { edits, removed };
}
