// Splits the sensitive keys (SENSITIVE_PATHS) out of the instance document and merges them back.
import { SENSITIVE_PATHS } from '../core/instance.js';
import { isObject as isTree } from '../model/fields.js';

type Tree = Record<string, unknown>;

/** The object holding the last segment of `path`, and that segment; null when a parent is missing. */
function parentOf(root: Tree, path: string): [Tree, string] | null {
  const segments = path.split('.');
  const last = segments.pop() ?? '';
  let node: unknown = root;
  for (const segment of segments) {
    if (!isTree(node)) return null;
    node = node[segment];
  }
  return isTree(node) ? [node, last] : null;
}

interface Split {
  /** A deep copy of the document without any sensitive key. */
  public: Tree;
  /** The sensitive values by dotted path ("user_data", "openstack.vendor_data"). */
  values: Record<string, unknown>;
}

/** Separates the sensitive keys from a document; the input is not changed. */
export function splitSensitive(document: object): Split {
  const copy = structuredClone(document) as Tree;
  const values: Record<string, unknown> = {};
  for (const path of SENSITIVE_PATHS) {
    const found = parentOf(copy, path);
    if (found === null || !Object.hasOwn(found[0], found[1])) continue;
    const [parent, key] = found;
    values[path] = parent[key];
    delete parent[key];
  }
  return { public: copy, values };
}

/** Puts sensitive values back into a copy of a public document; only known sensitive paths are taken. */
export function mergeSensitive(publicDocument: object, values: Record<string, unknown>): Tree {
  const copy = structuredClone(publicDocument) as Tree;
  for (const path of SENSITIVE_PATHS) {
    if (!Object.hasOwn(values, path)) continue;
    const found = parentOf(copy, path);
    if (found !== null) found[0][found[1]] = values[path];
  }
  return copy;
}

/** Dash and underscore are the same in keys ("user-data" is "user_data"). */
const fold = (path: string): string => path.replace(/-/g, '_');

/**
 * Where a path (segments, e.g. ["openstack", "vendor_data"]) stands to the sensitive keys: it
 * names one or lies inside one ("inside"), lies above one ("contains", the root too) or neither.
 */
export function touchesSensitive(path: string[]): 'inside' | 'contains' | 'none' {
  const joined = fold(path.join('.'));
  const sensitive = SENSITIVE_PATHS.map(fold);
  if (sensitive.some((s) => joined === s || joined.startsWith(`${s}.`))) return 'inside';
  if (path.length === 0 || sensitive.some((s) => s.startsWith(`${joined}.`))) return 'contains';
  return 'none';
}
