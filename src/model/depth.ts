// How deeply parsed JSON nests, measured without recursion so a hostile document cannot overflow the stack.

/**
 * Deepest nesting mdctl accepts in a JSON file. Nova's files nest a few levels. JSON.stringify,
 * structuredClone and YAML output recurse (and overflow the stack past ~1,500 levels), and
 * indented output repeats the indent on every line: 1 MiB nested 500 deep printed as 480 MB.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` holds arrays or objects nested more than `max` levels deep (a bare container is level 1). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { node, depth } = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push({ node: child, depth: depth + 1 });
  }
  return false;
}
