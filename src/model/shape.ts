// Checks that a value read back (e.g. from the cache) has the exact types of the instance document.
import { isObject } from './fields.js';

/** A check returns the problem with the value at path `where`, or null when it fits. */
type Check = (value: unknown, where: string) => string | null;

const is =
  (test: (value: unknown) => boolean, what: string): Check =>
  (value, where) =>
    test(value) ? null : `${where}: not ${what}`;

const str = is((v) => typeof v === 'string', 'a string');
const int = is((v) => typeof v === 'number' && Number.isSafeInteger(v), 'an integer');
const obj = is(isObject, 'an object');
const any: Check = () => null;
const nullable =
  (check: Check): Check =>
  (value, where) =>
    value === null ? null : check(value, where);

/** An object with exactly these fields; a name ending in "?" may be missing. */
function record(fields: Record<string, Check>): Check {
  const known = new Set(Object.keys(fields).map((name) => name.replace(/\?$/, '')));
  return (value, where) => {
    if (!isObject(value)) return `${where || 'document'}: not an object`;
    const at = (key: string): string => (where === '' ? key : `${where}.${key}`);
    for (const [name, check] of Object.entries(fields)) {
      const key = name.replace(/\?$/, '');
      if (!(key in value)) {
        if (name.endsWith('?')) continue;
        return `${at(key)}: missing`;
      }
      const problem = check(value[key], at(key));
      if (problem !== null) return problem;
    }
    const extra = Object.keys(value).find((key) => !known.has(key));
    return extra === undefined ? null : `${at(extra)}: unknown key`;
  };
}

const listOf =
  (check: Check): Check =>
  (value, where) =>
    Array.isArray(value) ? (value.map((item, i) => check(item, `${where}[${i}]`)).find((p) => p !== null) ?? null) : `${where}: not an array`;
const strings = listOf(str);

const document = (complete: boolean): Check =>
  record({
    schema: is((v) => v === 1, 'schema 1'),
    source: record({
      kind: is((v) => v === 'openstack' || v === 'ec2' || v === 'configdrive', 'openstack, ec2 or configdrive'),
      endpoint: str,
      version: str,
      files: strings,
      fetched_at: str,
    }),
    instance_id: str,
    name: nullable(str),
    hostname: nullable(str),
    availability_zone: nullable(str),
    project_id: nullable(str),
    launch_index: nullable(int),
    meta: obj,
    public_keys: listOf(record({ name: str, type: str, data: str })),
    networks: nullable(listOf(
      record({
        id: str,
        type: str,
        link: nullable(str),
        mac: nullable(str),
        network_id: nullable(str),
        ip_address: nullable(str),
        netmask: nullable(str),
        prefix: nullable(int),
      }),
    )),
    routes: nullable(listOf(
      record({ destination: str, gateway: str, link: nullable(str), mac: nullable(str), network_id: nullable(str) }),
    )),
    dns_nameservers: nullable(strings),
    [complete ? 'user_data' : 'user_data?']: nullable(str),
    'user_data_encoding?': is((v) => v === 'base64', '"base64"'),
    'password?': nullable(str),
    'random_seed?': nullable(str),
    openstack: nullable(
      record({
        meta_data: obj,
        network_data: nullable(obj),
        [complete ? 'vendor_data' : 'vendor_data?']: any,
        [complete ? 'vendor_data2' : 'vendor_data2?']: any,
      }),
    ),
    ec2: nullable(record({ 'meta-data': obj })),
    'problems?': listOf(record({ file: str, reason: str })),
  });
const PUBLIC = document(false);
const COMPLETE = document(true);

/**
 * The first problem that keeps `value` from being an instance document, or null when it is one.
 * With `complete` false the sensitive keys (user_data, vendor data...) may be missing, as in
 * the public cache file.
 */
export function instanceProblem(value: unknown, complete = true): string | null {
  return (complete ? COMPLETE : PUBLIC)(value, '');
}
