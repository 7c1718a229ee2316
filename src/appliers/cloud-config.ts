// cloud-config onto the appliers: the parsed user-data and vendor data of a document (once per document), and the hostname and ssh-keys appliers seeing cloud-config's values.
import type { Instance, PublicKey } from '../core/instance.js';
import { mergeCloudConfigs, type CloudConfig } from '../model/userdata/cloud-config.js';
import { readAuthorizedKeys, readHostname, type HostnameSettings } from '../model/userdata/keys.js';
import { parseUserData, userDataBytes } from '../model/userdata/parse.js';
import type { UserData } from '../model/userdata/types.js';
import { parseVendorData, vendorDataEnabled, type VendorData } from '../model/userdata/vendor.js';
import { MdctlError } from '../core/errors.js';
import type { Applier, ApplyContext, Change } from './types.js';

export interface UserDataView {
  userData: UserData;
  /** Vendor user-data; acted on (before user-data) when it is enabled and has no errors. */
  vendor: VendorData;
  /** false when user cloud-config turns vendor data off (`vendor_data: {enabled: false}`). */
  vendorEnabled: boolean;
  /**
   * Every cloud-config part merged, vendor data's first (so user-data's top-level keys replace
   * them); null when there is none or the user-data has errors (then nothing of it is used).
   */
  config: CloudConfig | null;
}

const parsed = new WeakMap<Instance, UserDataView>();

/** The document's user-data, parsed once per document object. */
export function userDataOf(doc: Instance): UserDataView {
  const known = parsed.get(doc);
  if (known !== undefined) return known;
  const userData = parseUserData(userDataBytes(doc));
  const vendor = parseVendorData(doc.openstack);
  const configsOf = (parts: UserData['parts']): CloudConfig[] => parts.flatMap((part) => (part.cloudConfig === undefined ? [] : [part.cloudConfig]));
  const userConfigs = configsOf(userData.parts);
  const vendorEnabled = vendorDataEnabled(mergeCloudConfigs(userConfigs));
  const vendorUsed = vendorEnabled && vendor.errors.length === 0 && vendor.parts.length > 0;
  const configs = [...(vendorUsed ? configsOf(vendor.parts) : []), ...userConfigs];
  const view = { userData, vendor, vendorEnabled, config: userData.errors.length > 0 || configs.length === 0 ? null : mergeCloudConfigs(configs) };
  parsed.set(doc, view);
  return view;
}

/** Part errors named in the one line that fails the user-data appliers; the rest are counted. */
const SHOWN_ERRORS = 5;

/** For the user-data appliers: the usable view, or the error that fails them (the first part errors, in one line). */
export function usableUserData(doc: Instance): UserDataView {
  const view = userDataOf(doc);
  const { errors } = view.userData;
  if (errors.length > 0) {
    const more = errors.length > SHOWN_ERRORS ? `; … and ${errors.length - SHOWN_ERRORS} more` : '';
    throw new MdctlError('ERR_INVALID_VALUE', `user-data refused: ${errors.slice(0, SHOWN_ERRORS).join('; ')}${more}`, {
      hint: 'see mdctl get user-data.parts; nothing of this user-data is acted on',
    });
  }
  return view;
}

/** The hostname settings of cloud-config (none when there is no usable cloud-config). */
export function hostnameSettings(doc: Instance): HostnameSettings {
  const { config } = userDataOf(doc);
  return config === null ? { hostname: null, fqdn: null, preserve: false, problems: [] } : readHostname(config);
}

/** cloud-config's ssh_authorized_keys as key entries "cloud-config:N"; items that are not strings come back in `problems`. */
function cloudConfigKeys(doc: Instance): { keys: PublicKey[]; problems: string[] } {
  const { config } = userDataOf(doc);
  if (config === null) return { keys: [], problems: [] };
  const { keys, problems } = readAuthorizedKeys(config);
  return { keys: keys.map((data, index) => ({ name: `cloud-config:${index}`, type: 'ssh', data })), problems };
}

/**
 * The hostname applier with cloud-config's preserve_hostname and the problems of its hostname
 * and fqdn (the applier itself chooses the names by cloud-init's rules). When it plans nothing
 * because of them, what it remembered before is kept.
 */
export function withCloudConfigHostname(applier: Applier): Applier {
  let leftAlone = false;
  return {
    ...applier,
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const settings = hostnameSettings(doc);
      leftAlone = settings.problems.length > 0 || settings.preserve;
      for (const problem of settings.problems) ctx.refuse(problem);
      if (settings.preserve && settings.problems.length === 0) ctx.warn('preserve_hostname is true in cloud-config: the hostname is left as it is');
      if (leftAlone) return [];
      return applier.plan(doc, ctx);
    },
    remember(results, ctx) {
      return leftAlone ? undefined : applier.remember?.(results, ctx);
    },
  };
}

/** The ssh-keys applier with cloud-config's ssh_authorized_keys after the metadata's keys (same checks, same block). */
export function withCloudConfigKeys(applier: Applier): Applier {
  return {
    ...applier,
    async plan(doc: Instance, ctx: ApplyContext): Promise<Change[]> {
      const { keys, problems } = cloudConfigKeys(doc);
      for (const problem of problems) ctx.refuse(problem);
      return applier.plan(keys.length === 0 ? doc : { ...doc, public_keys: [...doc.public_keys, ...keys] }, ctx);
    },
  };
}
