// `mdctl get user-data.parts` and `vendor-data.parts`: the detected parts, computed views looked up like keys (the parser loads only when asked).
import type { Instance } from '../core/instance.js';
import { lookup, namesUserDataParts, namesVendorDataParts, type Lookup } from './keypath.js';

/** The document path whose sensitivity a key has: the vendor data view reads openstack.vendor_data. */
export function sensitiveSegments(segments: string[]): string[] {
  return namesVendorDataParts(segments) ? ['openstack', 'vendor_data', ...segments.slice(2)] : segments;
}

/** The view's answer for the key, or null when the key is not the view's (then the document answers). */
export async function lookupUserDataView(doc: Instance, segments: string[]): Promise<Lookup | null> {
  if (namesVendorDataParts(segments)) {
    const { parseVendorData, vendorPartInfos } = await import('../model/userdata/vendor.js');
    const found = lookup(vendorPartInfos(parseVendorData(doc.openstack)), segments.slice(2));
    return found.found ? { ...found, path: ['vendor_data', 'parts', ...found.path] } : found;
  }
  if (!namesUserDataParts(segments)) return null;
  const { parseUserData, partInfos, userDataBytes } = await import('../model/userdata/parse.js');
  const found = lookup(partInfos(parseUserData(userDataBytes(doc))), segments.slice(2));
  return found.found ? { ...found, path: ['user_data', 'parts', ...found.path] } : found;
}
