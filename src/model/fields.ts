// Typed reads of untrusted parsed metadata: each wrong type is an error naming the file and field.
import { MdctlError, quote } from '../core/errors.js';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Reads fields of one object of one file; `where` is the field path of that object ("" at the top). */
export class Fields {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly value: Json,
  ) {}

  /** The object `value` of `file`, or an error when it is not an object. */
  static of(file: string, value: unknown, where = ''): Fields {
    if (!isObject(value)) throw invalid(file, where === '' ? '(document)' : where, `not an object (got ${typeName(value)})`);
    return new Fields(file, where, value);
  }

  path(key: string): string {
    return this.where === '' ? key : `${this.where}.${key}`;
  }

  fail(key: string, why: string): MdctlError {
    return invalid(this.file, this.path(key), why);
  }

  private wrong(key: string, expected: string): MdctlError {
    return this.fail(key, `not ${expected} (got ${typeName(this.value[key])})`);
  }

  /** A string, or null when the field is absent or null. */
  string(key: string): string | null {
    const value = this.value[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw this.wrong(key, 'a string');
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === null) throw this.fail(key, 'missing');
    return value;
  }

  /** A required string that names something (an instance id): empty or blank is refused too. */
  identifier(key: string): string {
    const value = this.requiredString(key);
    if (value.trim() === '') throw this.fail(key, 'empty');
    return value;
  }

  /** An integer, or null when absent or null. */
  integer(key: string): number | null {
    const value = this.value[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw this.wrong(key, 'an integer');
    return value;
  }

  /** A nested object, or null when absent or null. */
  object(key: string): Fields | null {
    const value = this.value[key];
    if (value === undefined || value === null) return null;
    if (!isObject(value)) throw this.wrong(key, 'an object');
    return new Fields(this.file, this.path(key), value);
  }

  /** An array, or null when absent or null. */
  array(key: string): unknown[] | null {
    const value = this.value[key];
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) throw this.wrong(key, 'an array');
    return value;
  }

  /** Each element of an array field as an object reader; [] when the field is absent. */
  objects(key: string): Fields[] {
    return (this.array(key) ?? []).map((item, index) => Fields.of(this.file, item, `${this.path(key)}[${index}]`));
  }

  /** An array of strings, or null when absent. */
  strings(key: string): string[] | null {
    const list = this.array(key);
    if (list === null) return null;
    list.forEach((item, index) => {
      if (typeof item !== 'string') throw this.fail(`${key}[${index}]`, `not a string (got ${typeName(item)})`);
    });
    return list as string[];
  }
}

export function invalid(file: string, field: string, why: string): MdctlError {
  return new MdctlError('ERR_INVALID_METADATA', `${file}: ${/^[\x20-\x7e]*$/.test(field) ? field : quote(field)}: ${why}`);
}
