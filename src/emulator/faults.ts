// Fault injection rules (--faults): which requests they hit (path glob, method, first N) and what they do.
import { quote } from '../core/errors.js';
import { FieldError, Fields, checked, parseYaml, readYamlFile } from './yamlcheck.js';

export interface FaultRule {
  /** How the access log names the rule: its name, else "#<index>". */
  label: string;
  path: string;
  /** Upper-case method, or undefined for any. */
  method: string | undefined;
  /** Apply to the first N matching requests only; undefined: always. */
  times: number | undefined;
  status?: number;
  delayMs?: number;
  /** Reset the connection (TCP RST) before the response, or in the middle of the body. */
  reset?: 'before' | 'middle';
  /** Send only this many bytes of the body (Content-Length stays the full size), then close. */
  truncate?: number;
  /** Send the body at this many bytes per second. */
  drip?: number;
  body?: string;
  contentType?: string;
  /** Answer with a redirect to this location (status 302 unless given). */
  redirect?: string;
}

const RULE_KEYS = [
  'name', 'path', 'method', 'times', 'status', 'delay_ms', 'reset', 'truncate', 'drip', 'body', 'content_type', 'redirect',
] as const;
const ONE_HOUR_MS = 3_600_000;

/** A path glob as a RegExp: `*` and `?` stay within a segment, `**` crosses segments. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob.charAt(i);
    if (ch === '*' && glob.charAt(i + 1) === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function rule(value: unknown, field: string, index: number): FaultRule {
  const f = Fields.of(value, field, RULE_KEYS);
  const path = f.requiredString('path');
  if (!path.startsWith('/')) throw new FieldError(f.name('path'), `${quote(path)} must start with /`);
  const out: FaultRule = {
    label: f.optionalString('name') ?? `#${index}`,
    path,
    method: f.optionalString('method')?.toUpperCase(),
    times: f.optionalInteger('times', 1, Number.MAX_SAFE_INTEGER),
  };
  const status = f.optionalInteger('status', 200, 599);
  if (status !== undefined) out.status = status;
  const delayMs = f.optionalInteger('delay_ms', 0, ONE_HOUR_MS);
  if (delayMs !== undefined) out.delayMs = delayMs;
  const reset = f.raw('reset');
  if (reset === true || reset === 'before') out.reset = 'before';
  else if (reset === 'middle') out.reset = 'middle';
  else if (reset !== undefined && reset !== null && reset !== false) throw new FieldError(f.name('reset'), 'must be before, middle, true or false');
  const truncate = f.optionalInteger('truncate', 0, Number.MAX_SAFE_INTEGER);
  if (truncate !== undefined) out.truncate = truncate;
  const drip = f.optionalInteger('drip', 1, Number.MAX_SAFE_INTEGER);
  if (drip !== undefined) out.drip = drip;
  const body = f.optionalString('body');
  if (body !== undefined) out.body = body;
  const contentType = f.optionalString('content_type');
  if (contentType !== undefined) out.contentType = contentType;
  const redirect = f.optionalString('redirect');
  if (redirect !== undefined) {
    if (out.status !== undefined && (out.status < 300 || out.status > 399)) throw new FieldError(f.name('status'), 'must be 3xx with redirect');
    out.redirect = redirect;
  }
  const actions = ['status', 'delay_ms', 'reset', 'truncate', 'drip', 'body', 'content_type', 'redirect'];
  if (!actions.some((key) => f.has(key) && f.raw(key) !== false)) {
    throw new FieldError(field, `does nothing; give one of ${actions.join(', ')}`);
  }
  return out;
}

function buildFaults(value: unknown): FaultRule[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new FieldError('(top level)', 'must be a list of rules');
  return value.map((item, i) => rule(item, `[${i}]`, i));
}

export function loadFaultsText(text: string, source: string): FaultRule[] {
  const value = parseYaml(text, source, 'ERR_USAGE');
  return checked(source, 'ERR_USAGE', () => buildFaults(value));
}

export async function loadFaultsFile(file: string): Promise<FaultRule[]> {
  const value = await readYamlFile(file, 'ERR_USAGE');
  return checked(file, 'ERR_USAGE', () => buildFaults(value));
}

/** The rules with their counters: the first rule that matches and has uses left applies. */
export class Faults {
  private readonly patterns: RegExp[];
  private readonly used: number[];

  constructor(private readonly rules: FaultRule[]) {
    this.patterns = rules.map((r) => globToRegExp(r.path));
    this.used = rules.map(() => 0);
  }

  /** The rule for this request, counting it as used; undefined when none applies. */
  take(method: string, path: string): FaultRule | undefined {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i] as FaultRule;
      if (r.method !== undefined && r.method !== method) continue;
      if (!(this.patterns[i] as RegExp).test(path)) continue;
      if (r.times !== undefined && (this.used[i] ?? 0) >= r.times) continue;
      this.used[i] = (this.used[i] ?? 0) + 1;
      return r;
    }
    return undefined;
  }
}
