// Vendor user-data as cloud-init 22.4 reads it: the `cloud-init` key of vendor_data.json and vendor_data2.json, each a user-data string or a list of them.
import type { OpenStackRaw } from '../../core/instance.js';
import type { CloudConfig } from './cloud-config.js';
import { parseUserData } from './parse.js';
import type { PartInfo, UserDataPart } from './types.js';

type VendorFile = 'vendor_data.json' | 'vendor_data2.json';

interface VendorPart extends UserDataPart {
  /** The file the part came from. */
  source: VendorFile;
}

export interface VendorData {
  /** vendor_data.json's parts, then vendor_data2.json's (whose cloud-config keys win). */
  parts: VendorPart[];
  /** "vendor_data.json: why", one per problem; any makes vendor data unused. */
  errors: string[];
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/**
 * cloud-init's convert_vendordata: a mapping gives its `cloud-init` value (which must not be a
 * mapping itself); a string is one user-data; a list is several; nothing (or empty) is none.
 */
function userDataStrings(value: unknown, nested = false): { items: string[]; error?: string } {
  if (value === null || value === undefined || value === '' || value === false || value === 0) return { items: [] };
  if (typeof value === 'string') return { items: [value] };
  if (Array.isArray(value)) {
    if (value.length === 0) return { items: [] };
    const bad = value.findIndex((item) => typeof item !== 'string');
    if (bad >= 0) return { items: [], error: `item ${bad} of the cloud-init list is ${kind(value[bad])}, not user-data text` };
    return { items: value as string[] };
  }
  if (typeof value === 'object' && !nested) {
    const map = value as Record<string, unknown>;
    return Object.keys(map).length === 0 ? { items: [] } : userDataStrings(map['cloud-init'], true);
  }
  return { items: [], error: `${nested ? 'the cloud-init key' : 'the file'} holds ${kind(value)}, not user-data text or a list of it` };
}

/** Every vendor user-data part of the raw OpenStack files, parsed like user-data; never throws. */
export function parseVendorData(openstack: Pick<OpenStackRaw, 'vendor_data' | 'vendor_data2'> | null | undefined): VendorData {
  const parts: VendorPart[] = [];
  const errors: string[] = [];
  const files: [VendorFile, unknown][] = [
    ['vendor_data.json', openstack?.vendor_data],
    ['vendor_data2.json', openstack?.vendor_data2],
  ];
  for (const [source, raw] of files) {
    const { items, error } = userDataStrings(raw);
    if (error !== undefined) errors.push(`${source}: ${error}`);
    for (const item of items) {
      const parsed = parseUserData(Buffer.from(item, 'utf8'));
      for (const part of parsed.parts) {
        if (part.error !== undefined) errors.push(`${source}: part ${parts.length} (${part.type}): ${part.error}`);
        parts.push({ ...part, index: parts.length, source });
      }
    }
  }
  return { parts, errors };
}

/** cloud-init's util.is_false: false, or "off", "0", "no", "false" in any case. */
function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && ['off', '0', 'no', 'false'].includes(value.trim().toLowerCase()));
}

/** Whether the user's cloud-config leaves vendor data on (`vendor_data: {enabled: false}` turns it off). */
export function vendorDataEnabled(userConfig: CloudConfig): boolean {
  const setting = userConfig.vendor_data;
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return true;
  return !isFalse((setting as Record<string, unknown>).enabled);
}

/** The parts without their bytes, as `mdctl get vendor-data.parts` prints them. */
export function vendorPartInfos(vendor: VendorData): (PartInfo & { source: VendorFile })[] {
  return vendor.parts.map(({ body: _body, cloudConfig: _config, ...info }) => info);
}
