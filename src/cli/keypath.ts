// Dotted key lookup in the instance document: "-" and "_" are the same, numbers index arrays.

export type Lookup =
  /** `path` holds the document's own key names ("user-data" -> ["user_data"]). */
  | { found: true; value: unknown; path: string[] }
  | { found: false };

const fold = (key: string): string => key.replace(/-/g, '_');

/** "public-keys.0.data" -> ["public-keys", "0", "data"]; no key (or "") is the whole document. */
export function parseKey(key: string | undefined): string[] {
  return key === undefined || key === '' ? [] : key.split('.');
}

/** Whether the key names the computed parts view: "user-data.parts" (or "user_data.parts") and below. */
export function namesUserDataParts(segments: readonly string[]): boolean {
  return segments[0] !== undefined && fold(segments[0]) === 'user_data' && segments[1] === 'parts';
}

/** Whether the key names the vendor data parts view: "vendor-data.parts" (or "vendor_data.parts") and below. */
export function namesVendorDataParts(segments: readonly string[]): boolean {
  return segments[0] !== undefined && fold(segments[0]) === 'vendor_data' && segments[1] === 'parts';
}

/** The key of `node` that `segment` names: the exact key first, else one equal up to "-"/"_". */
function member(node: Record<string, unknown>, segment: string): string | undefined {
  if (Object.hasOwn(node, segment)) return segment;
  const folded = fold(segment);
  return Object.keys(node).find((key) => fold(key) === folded);
}

/** Follows the segments from the document root. */
export function lookup(document: unknown, segments: string[]): Lookup {
  let node = document;
  const path: string[] = [];
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(segment) || Number(segment) >= node.length) return { found: false };
      node = node[Number(segment)];
      path.push(segment);
    } else if (typeof node === 'object' && node !== null) {
      const key = member(node as Record<string, unknown>, segment);
      if (key === undefined) return { found: false };
      node = (node as Record<string, unknown>)[key];
      path.push(key);
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node, path };
}
