// How much a parsed YAML value weighs once its aliases are expanded: a small file must not stand for a huge one.

/**
 * Whether `value`, walked as if every alias were a copy (as JSON.stringify and the checks walk
 * it), weighs more than `limit`: one per value plus the length of each string and key. The walk
 * stops as soon as the limit passes, so "billion laughs" costs at most `limit` steps. A cycle
 * (an alias inside its own anchor) is infinite, so it exceeds any limit.
 */
export function expandsBeyond(value: unknown, limit: number): boolean {
  let left = limit;
  const onPath = new Set<object>();
  const walk = (item: unknown): boolean => {
    left -= typeof item === 'string' ? item.length + 1 : 1;
    if (left < 0) return true;
    if (typeof item !== 'object' || item === null || item instanceof Uint8Array) return false;
    if (onPath.has(item)) return true;
    onPath.add(item);
    try {
      for (const [key, child] of Array.isArray(item) ? item.entries() : Object.entries(item)) {
        if (typeof key === 'string') left -= key.length;
        if (walk(child)) return true;
      }
      return false;
    } finally {
      onPath.delete(item);
    }
  };
  return walk(value);
}

/** The expanded weight a YAML input file of `bytes` bytes may have: generous for anchors, never a bomb's. */
export function expansionLimit(bytes: number): number {
  return 1024 * 1024 + 16 * bytes;
}
