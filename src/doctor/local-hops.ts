// The hops about this machine rather than the path: proxy variables in the environment, and the cache's age. Pure.
import { isIP } from 'node:net';
import { quote } from '../core/errors.js';
import type { CacheRead } from '../cache/cache.js';
import { METADATA_IPV4, addressValue } from '../core/ip.js';
import { pass, warn, type Hop } from './types.js';

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

/** A proxy URL with any user:password replaced, so a report never shows credentials. */
export function redact(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

/** Whether a no_proxy list exempts 169.254.169.254: "*", the address, or a CIDR or suffix that holds it. */
export function exempts(noProxy: string): boolean {
  const target = addressValue(METADATA_IPV4)?.value ?? 0n;
  return noProxy
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .some((entry) => {
      if (entry === '*' || entry === METADATA_IPV4) return true;
      const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(entry);
      if (cidr !== null && isIP(cidr[1] as string) === 4) {
        const prefix = Number(cidr[2]);
        const base = addressValue(cidr[1] as string)?.value ?? 0n;
        const shift = BigInt(32 - Math.min(prefix, 32));
        return base >> shift === target >> shift;
      }
      return entry.startsWith('.') ? METADATA_IPV4.endsWith(entry) : false;
    });
}

/** mdctl never uses a proxy; other tools (curl, cloud-init, scripts) do unless no_proxy exempts the service. */
export function proxyHop(env: NodeJS.ProcessEnv): Hop {
  const set = PROXY_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '');
  if (set.length === 0) return pass('proxy-env', 'no proxy variables set');
  const shown = set.map((name) => `${name}=${quote(redact(env[name] as string))}`).join(', ');
  const noProxy = [env.no_proxy, env.NO_PROXY].filter((value): value is string => value !== undefined).join(',');
  if (exempts(noProxy)) return pass('proxy-env', `${shown}; no_proxy exempts ${METADATA_IPV4} (mdctl ignores proxies anyway)`);
  return warn(
    'proxy-env',
    `${shown}: mdctl ignores it, but curl, cloud-init and other tools would send metadata requests through the proxy; add ${METADATA_IPV4} to NO_PROXY`,
  );
}

function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

/** The cache's age, and whether it is of the instance the service just named. */
export function cacheHop(dir: string, read: CacheRead, now: Date, liveInstance: string | null): Hop {
  if (read.state === 'missing') return warn('cache', `no cache in ${dir}: no \`mdctl fetch\` or \`mdctl boot\` has succeeded since boot (journalctl -u mdctl)`);
  if (read.state === 'invalid') return warn('cache', `${read.reason}; the next \`mdctl fetch\` replaces it`);
  const { document } = read;
  const fetched = Date.parse(document.source.fetched_at);
  const when = Number.isNaN(fetched) ? document.source.fetched_at : `${age(now.getTime() - fetched)} ago`;
  const detail = `${dir}: instance ${quote(document.instance_id)} from ${document.source.endpoint}, fetched ${when}`;
  if (liveInstance !== null && liveInstance !== document.instance_id) {
    return warn('cache', `${detail}; the service now names instance ${quote(liveInstance)}: run \`mdctl fetch\``);
  }
  return pass('cache', detail);
}
