// `mdctl get user-data.parts`: the detected user-data parts, a computed view looked up like a key (the parser loads only when asked).
import type { Instance } from '../core/instance.js';
import { lookup, namesUserDataParts, type Lookup } from './keypath.js';

/** The view's answer for the key, or null when the key is not the view's (then the document answers). */
export async function lookupUserDataView(doc: Instance, segments: string[]): Promise<Lookup | null> {
  if (!namesUserDataParts(segments)) return null;
  const { parseUserData, partInfos, userDataBytes } = await import('../model/userdata/parse.js');
  const found = lookup(partInfos(parseUserData(userDataBytes(doc))), segments.slice(2));
  return found.found ? { ...found, path: ['user_data', 'parts', ...found.path] } : found;
}
