// Shared pieces of the property tests: the run count, "throws only typed errors", and generators used by several files.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MdctlError } from '../../src/core/errors.js';

/** Generated cases per property (issue 6: at least 1,000 per run). */
export const RUNS = { numRuns: 1000 };

/** A message mdctl may print: one line, no control characters. */
export function assertOneLine(message: string): void {
  const control = [...message].find((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  assert.equal(control, undefined, `not one clean line: ${JSON.stringify(message)}`);
}

/**
 * Calls `fn`: returns its value, or undefined when it threw an MdctlError with a one-line
 * message. Anything else thrown fails the property.
 */
export function typed<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof MdctlError)) {
      assert.fail(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not an MdctlError`);
    }
    assertOneLine(error.message);
    return undefined;
  }
}

/** The same for async functions. */
export async function typedAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof MdctlError)) {
      assert.fail(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not an MdctlError`);
    }
    assertOneLine(error.message);
    return undefined;
  }
}

/** Any text, weighted towards what breaks parsers: separators, whitespace, control and non-ASCII characters. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', ':', '/', '.', '-', '_', '=', '"', '#', '\0', 'a', 'Z', '0', '9', 'é', '\u202e', '$', '(', ';'), maxLength: 80 }),
);

/** An IPv4 address as a string, written from its bytes. */
export const ipv4Bytes: fc.Arbitrary<[number, number, number, number]> = fc.tuple(
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 0, max: 255 }),
);

/** The dotted IPv4 netmask of a prefix length. */
export function prefixToMask4(prefix: number): string {
  const value = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** The canonical (RFC 5952, as WHATWG URLs print it) text of 16 address bytes. */
export function ipv6Text(bytes: readonly number[]): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}

/** The IPv6 netmask of a prefix length, canonical text ("ffff:ffff::"). */
export function prefixToMask6(prefix: number): string {
  const bytes = Array.from({ length: 16 }, (_, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return (0xff00 >> bits) & 0xff;
  });
  return ipv6Text(bytes);
}
