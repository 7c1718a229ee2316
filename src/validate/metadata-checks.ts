// The metadata checks of `mdctl validate` as pure functions of what the crawl read.
import { isIP } from 'node:net';
import { Exit, exitStatusOf, oneLine, quote } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import type { RawMetadata } from '../core/raw.js';
import { normalizeHostname } from '../model/hostname.js';
import { normalize } from '../model/normalize.js';
import { normalizeNetworkData } from '../model/normalize-network.js';
import { checkRoute } from '../model/routes.js';
import { checkPublicKeys } from '../model/sshkeys.js';
import type { ApplierRun } from '../appliers/runner.js';
import type { CrawlOutcome } from './metadata.js';
import { fail, pass, skip, warn, type CheckId, type CheckResult } from './types.js';

/** Nova refuses user data over 65535 bytes once base64-encoded (servers API, MAX_USERDATA_SIZE). */
const NOVA_USER_DATA_LIMIT = 65535;

/** Which applier each value check speaks for: the dry run does not report the same problem again. */
const APPLIER_OF: Partial<Record<CheckId, string>> = { hostname: 'hostname', 'ssh-keys': 'ssh-keys', 'network-data': 'routes' };

/** Whether a crawl failure means the endpoint could not be reached (exit 4) rather than a refusal. */
export function unreachable(outcome: CrawlOutcome): boolean {
  return !outcome.ok && exitStatusOf(outcome.error) === Exit.UNREACHABLE;
}

export function checkCrawl(outcome: CrawlOutcome): CheckResult {
  if (!outcome.ok) return fail('crawl', `${outcome.from}: ${oneLine(outcome.error)}`);
  const { raw } = outcome;
  return pass('crawl', `${raw.kind} ${raw.version} from ${outcome.from}: ${raw.files.join(', ')}`);
}

function checkHostname(doc: Instance): CheckResult {
  if (doc.hostname === null) return warn('hostname', 'the metadata has no hostname: the hostname applier will do nothing');
  try {
    const { short, fqdn } = normalizeHostname(doc.hostname);
    return pass('hostname', `${quote(doc.hostname)}: short name ${quote(short)}, FQDN ${quote(fqdn)}`);
  } catch (error) {
    return fail('hostname', oneLine(error));
  }
}

function checkSshKeys(doc: Instance): CheckResult {
  const { keys, refused } = checkPublicKeys(doc.public_keys);
  if (refused.length > 0) {
    return fail('ssh-keys', refused.map((bad) => `key entry ${quote(bad.name)}: ${bad.reason}`).join('; '));
  }
  if (keys.length === 0) return warn('ssh-keys', 'the metadata has no SSH keys: nobody can log in with a key');
  return pass('ssh-keys', `${keys.length} ${keys.length === 1 ? 'key' : 'keys'}: ${keys.map((key) => `${key.type} ${key.fingerprint}`).join(', ')}`);
}

function rawObjects(value: unknown, key: string): Record<string, unknown>[] {
  const list = (value as Record<string, unknown> | null)?.[key];
  return Array.isArray(list) ? list.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/**
 * network_data.json is consistent: it parses, every network's link is one of its links, addresses
 * and netmasks parse, and every route parses with its gateway on the link's subnet.
 */
function checkNetworkData(rawNetworkData: unknown, parsed: { doc: Instance } | { error: unknown }): CheckResult {
  if ('error' in parsed) return fail('network-data', oneLine(parsed.error));
  if (rawNetworkData === undefined || rawNetworkData === null) return pass('network-data', 'no network_data.json: nothing to check');
  const { networks, routes } = parsed.doc;
  if (networks === null || routes === null) return fail('network-data', 'network_data.json could not be used');
  const problems: string[] = [];
  const links = new Set(rawObjects(rawNetworkData, 'links').map((link) => link.id));
  for (const network of rawObjects(rawNetworkData, 'networks')) {
    if (typeof network.link === 'string' && !links.has(network.link)) {
      problems.push(`network ${quote(network.id)} names link ${quote(network.link)}, which is not among the links`);
    }
  }
  for (const network of networks) {
    if (network.ip_address !== null && isIP(network.ip_address) === 0) {
      problems.push(`network ${quote(network.id)}: ip_address ${quote(network.ip_address)} is not an address`);
    }
    if (network.netmask !== null && network.prefix === null) {
      problems.push(`network ${quote(network.id)}: netmask ${quote(network.netmask)} is not a mask`);
    }
  }
  for (const route of routes) {
    try {
      checkRoute(route, networks);
    } catch (error) {
      problems.push(oneLine(error));
    }
  }
  if (problems.length > 0) return fail('network-data', problems.join('; '));
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  return pass('network-data', `${count(networks.length, 'network')} on ${count(links.size, 'link')}, ${count(routes.length, 'route')}, every gateway on-link`);
}

export function checkUserData(bytes: Buffer | null): CheckResult {
  if (bytes === null) return pass('user-data', 'no user data');
  const encoded = Math.ceil(bytes.length / 3) * 4;
  if (encoded > NOVA_USER_DATA_LIMIT) {
    return fail('user-data', `user data is ${bytes.length} bytes, ${encoded} once base64-encoded: over Nova's limit of ${NOVA_USER_DATA_LIMIT}`);
  }
  return pass('user-data', `${bytes.length} bytes (${encoded} of Nova's ${NOVA_USER_DATA_LIMIT} once base64-encoded)`);
}

interface MetadataAnalysis {
  results: CheckResult[];
  /** The document the dry run plans from, or null when it could not be built. */
  doc: Instance | null;
}

/** Every metadata check but the crawl and the dry run, from what the crawl read. */
export function analyseMetadata(raw: RawMetadata, now: Date): MetadataAnalysis {
  const rawNetworkData = raw.openstack?.network_data;
  // A network_data.json that did not parse was read as absent, its reason kept among the problems.
  const unparsed = raw.openstack?.problems?.find((problem) => problem.file === 'network_data.json');
  let networkError: unknown = unparsed === undefined ? null : new Error(unparsed.reason);
  try {
    normalizeNetworkData(rawNetworkData);
  } catch (error) {
    networkError = error;
  }
  const usable = raw.openstack === undefined || networkError === null ? raw : { ...raw, openstack: { ...raw.openstack, network_data: undefined } };
  let doc: Instance;
  try {
    doc = normalize(usable, now);
  } catch (error) {
    const why = 'the document could not be built (see meta-data)';
    return {
      doc: null,
      results: [
        fail('meta-data', oneLine(error)),
        skip('hostname', why),
        skip('ssh-keys', why),
        networkError === null ? skip('network-data', why) : fail('network-data', oneLine(networkError)),
        checkUserData(raw.openstack?.user_data ?? raw.ec2?.user_data ?? null),
      ],
    };
  }
  return {
    doc,
    results: [
      pass('meta-data', `instance ${quote(doc.instance_id)}${doc.name === null ? '' : ` (${quote(doc.name)})`}`),
      checkHostname(doc),
      checkSshKeys(doc),
      checkNetworkData(rawNetworkData, networkError === null ? { doc } : { error: networkError }),
      checkUserData(raw.openstack?.user_data ?? raw.ec2?.user_data ?? null),
    ],
  };
}

/** The appliers whose problems a value check already reports (not passed): the dry run leaves them out. */
export function excusedAppliers(results: readonly CheckResult[]): Set<string> {
  const excused = new Set<string>();
  for (const result of results) {
    const applier = APPLIER_OF[result.id];
    if (applier !== undefined && result.status !== 'pass') excused.add(applier);
  }
  return excused;
}

/** The dry-run boot planned without errors (those of excused appliers aside); warnings make it a warning. */
export function checkDryRun(runs: readonly ApplierRun[], excused: ReadonlySet<string>): CheckResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const counts: string[] = [];
  for (const run of runs) {
    const id = run.applier.id;
    if (excused.has(id)) {
      counts.push(`${id} (see its check)`);
      continue;
    }
    errors.push(...run.errors.map((error) => `${id}: ${error}`));
    warnings.push(...run.warnings.map((warning) => `${id}: ${warning}`));
    const changes = run.changes.filter((change) => change.action !== 'noop');
    const notLive = changes.filter((change) => change.skipped !== undefined).length;
    counts.push(`${id} ${changes.length}${notLive > 0 ? ` (${notLive} not live)` : ''}`);
  }
  if (errors.length > 0) return fail('dry-run', listed(errors));
  const planned = `planned ${counts.join(', ')} into a scratch copy; nothing written`;
  return warnings.length > 0 ? warn('dry-run', `${listed(warnings)}; ${planned}`) : pass('dry-run', planned);
}

/** Messages in one check line: the first few, then a count (a user-data of a thousand parts warns a thousand times). */
function listed(messages: readonly string[], shown = 10): string {
  const more = messages.length > shown ? `; … and ${messages.length - shown} more` : '';
  return `${messages.slice(0, shown).join('; ')}${more}`;
}
