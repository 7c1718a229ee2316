// Reading YAML input files (fixtures, fault rules) and checking their fields with one-line errors that name the field.
import { isIP } from 'node:net';
import { CORE_SCHEMA, YAMLException, load } from 'js-yaml';
import { MdctlError, quote, type ErrorCode } from '../core/errors.js';
import { expandsBeyond, expansionLimit } from '../core/expanded.js';
import { InputFileError, readInputFile } from './input-file.js';

/** The largest fixture or fault file read: far above any real one, far below what would exhaust memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
import type { JsonValue } from './pyjson.js';

/** A field that fails its check; the loader prefixes the file name. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
  ) {
    super(`${field}: ${why}`);
  }
}

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One path segment as it reads in a message: plain names bare, anything else quoted. */
function fieldName(parent: string, key: string): string {
  const name = /^[A-Za-z0-9_.-]+$/.test(key) ? key : quote(key, 40);
  return parent === '' ? name : `${parent}.${name}`;
}

/**
 * Parse YAML with the core schema (no timestamps: `2020-10-14` stays a string; no custom tags).
 * Syntax errors become one line: "<source>:<line>:<column>: <reason>". Aliases that expand the
 * text far past its size (a "billion laughs" fixture would make every answer huge) are refused.
 */
export function parseYaml(text: string, source: string, code: ErrorCode): unknown {
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: source });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark === undefined ? '' : `:${error.mark.line + 1}:${error.mark.column + 1}`;
      throw new MdctlError(code, `${source}${where}: invalid YAML: ${error.reason}`, { cause: error });
    }
    throw error;
  }
  if (expandsBeyond(value, expansionLimit(text.length))) {
    throw new MdctlError(code, `${source}: its aliases expand to far more than the file holds; refused`);
  }
  return value;
}

/** Reads and parses a YAML input file: a FIFO, a device or a file over MAX_INPUT_BYTES is refused before it is read. */
export async function readYamlFile(file: string, code: ErrorCode): Promise<unknown> {
  let text: string;
  try {
    text = (await readInputFile(file, MAX_INPUT_BYTES)).toString('utf8');
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    throw new MdctlError(code, `${file}: ${error.reason}`, { cause: error });
  }
  return parseYaml(text, file, code);
}

/** Run a checker, turning a FieldError into the one-line MdctlError for this file. */
export function checked<T>(source: string, code: ErrorCode, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof FieldError) throw new MdctlError(code, `${source}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Typed access to one YAML mapping; refuses keys it does not know. */
export class Fields {
  constructor(
    private readonly value: Mapping,
    private readonly path: string,
    known: readonly string[],
  ) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw new FieldError(fieldName(path, key), 'unknown key');
    }
  }

  static of(value: unknown, path: string, known: readonly string[]): Fields {
    if (!isMapping(value)) throw new FieldError(path === '' ? '(top level)' : path, 'must be a mapping');
    return new Fields(value, path, known);
  }

  name(key: string): string {
    return fieldName(this.path, key);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  string(key: string, fallback: string): string {
    return this.optionalString(key) ?? fallback;
  }

  requiredString(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw new FieldError(this.name(key), 'is required');
    if (value === '') throw new FieldError(this.name(key), 'must not be empty');
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new FieldError(this.name(key), 'must be a string');
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(key, min, max) ?? fallback;
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.value[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new FieldError(this.name(key), 'must be an integer');
    if (value < min || value > max) throw new FieldError(this.name(key), `must be from ${min} to ${max}`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.value[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new FieldError(this.name(key), 'must be true or false');
    return value;
  }

  stringList(key: string, fallback: string[]): string[] {
    return this.list(key, fallback, (item, name) => {
      if (typeof item !== 'string') throw new FieldError(name, 'must be a string');
      return item;
    });
  }

  list<T>(key: string, fallback: T[], each: (item: unknown, name: string, index: number) => T): T[] {
    const value = this.value[key];
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value)) throw new FieldError(this.name(key), 'must be a list');
    return value.map((item, i) => each(item, `${this.name(key)}[${i}]`, i));
  }

  /** A mapping whose values are all strings (Nova's user metadata). */
  stringMap(key: string): Record<string, string> {
    const value = this.value[key];
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) throw new FieldError(this.name(key), 'must be a mapping');
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new FieldError(fieldName(this.name(key), k), 'must be a string');
    }
    return value as Record<string, string>;
  }

  /** A mapping served as JSON, verbatim. */
  jsonMapping(key: string, fallback: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
    const value = this.value[key];
    if (value === undefined || value === null) return fallback;
    if (!isMapping(value)) throw new FieldError(this.name(key), 'must be a mapping');
    return value as { [key: string]: JsonValue };
  }

  address(key: string): string | undefined {
    const value = this.optionalString(key);
    if (value === undefined || value === '') return undefined;
    if (isIP(value) === 0) throw new FieldError(this.name(key), `${quote(value)} is not an IP address`);
    return value;
  }
}
