// cloud-config YAML: a safe schema (core types, merge keys, !!binary; no custom tags), a size guard against alias bombs, part merging.
import yaml from 'js-yaml';
import { isUtf8 } from 'node:buffer';

export type CloudConfig = Record<string, unknown>;

/** js-yaml exports its built-in types at run time; @types/js-yaml does not declare them. */
const { merge, binary, int, float } = (yaml as unknown as { types: Record<'merge' | 'binary' | 'int' | 'float', yaml.Type> }).types;

/** `0644`, `0o644`, `-017`: spellings of an integer with a leading zero. */
const LEADING_ZERO = /^[-+]?0(?:o[0-7_]+|[0-9_]+)$/i;

/**
 * The core schema's int and float, except that integers spelled with a leading zero (`0644` of
 * YAML 1.1, `0o644` of YAML 1.2) stay strings: the core schema reads `0644` as decimal 644, the
 * same number as a bare `644`, and a mode reader must tell them apart (see readWriteFiles).
 */
function withoutLeadingZero(tag: string, type: yaml.Type): yaml.Type {
  return new yaml.Type(tag, {
    kind: 'scalar',
    resolve: (data: string) => !LEADING_ZERO.test(data) && type.resolve(data),
    construct: (data: string) => type.construct(data) as unknown,
  });
}
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [merge, withoutLeadingZero('tag:yaml.org,2002:int', int), withoutLeadingZero('tag:yaml.org,2002:float', float)], explicit: [binary] });

/** Values a document may hold once aliases are expanded: "billion laughs" is refused, not walked. */
const MAX_VALUES = 100_000;

function countValues(value: unknown, budget: { left: number }): void {
  budget.left -= 1;
  if (budget.left < 0) return;
  if (Array.isArray(value)) {
    for (const item of value) {
      countValues(item, budget);
      if (budget.left < 0) return;
    }
  } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) {
      countValues(item, budget);
      if (budget.left < 0) return;
    }
  }
}

/** Parses one cloud-config part; throws an Error with a one-line reason (line and column, never the text). */
export function parseCloudConfig(data: Buffer): CloudConfig {
  if (!isUtf8(data)) throw new Error('cloud-config is not valid UTF-8');
  let value: unknown;
  try {
    value = yaml.load(data.toString('utf8'), { schema: SCHEMA });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const mark = error.mark as { line?: number; column?: number } | undefined;
      const where = mark?.line === undefined ? '' : ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}`;
      throw new Error(`malformed YAML: ${error.reason}${where}`);
    }
    throw error;
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new Error(`cloud-config must be a mapping of keys, not ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  const budget = { left: MAX_VALUES };
  countValues(value, budget);
  if (budget.left < 0) throw new Error(`cloud-config holds more than ${MAX_VALUES} values once aliases are expanded; refused`);
  return value as CloudConfig;
}

/**
 * Several cloud-config parts as one, as cloud-init merges them by default: a later part's
 * top-level key replaces an earlier one. Keys are defined, never assigned, so a `__proto__` key
 * is a key like any other (an ignored one), not the merged object's prototype.
 */
export function mergeCloudConfigs(configs: readonly CloudConfig[]): CloudConfig {
  return Object.fromEntries(configs.flatMap((config) => Object.entries(config)));
}
