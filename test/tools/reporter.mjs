// Test reporter: node's spec reporter, with the slowest test files printed just before node's closing lines (tests N, pass N, fail N), which stay as node writes them.
import { spec as Spec } from 'node:test/reporters';
import { relative } from 'node:path';
import process from 'node:process';

const SHOWN = 10;

/** The closing lines start with node's own "tests N" diagnostic, which names no file. */
const closing = (event) => event.type === 'test:diagnostic' && event.data.file === undefined && /^tests \d+$/.test(event.data.message);

/**
 * A file's time is the sum of its top-level tests and suites as the file's own process timed them
 * (a before() hook counts in the first test). Node reports files in order, so the time an event
 * arrives says little about when a file ran.
 */
function slowest(spent) {
  const times = [...spent].sort((a, b) => b[1] - a[1]);
  const lines = times.slice(0, SHOWN).map(([file, ms]) => `ℹ   ${(ms / 1000).toFixed(1).padStart(6)} s  ${relative(process.cwd(), file)}`);
  return `ℹ slowest test files (time in their tests, ${Math.min(SHOWN, times.length)} of ${times.length}):\n${lines.join('\n')}\n`;
}

export default async function* reporter(source) {
  const spec = new Spec();
  const spent = new Map();
  for await (const event of source) {
    const { file, nesting, details } = event.data ?? {};
    if ((event.type === 'test:pass' || event.type === 'test:fail') && nesting === 0 && file !== undefined) {
      spent.set(file, (spent.get(file) ?? 0) + (details?.duration_ms ?? 0));
    }
    if (closing(event)) yield slowest(spent);
    spec.write(event);
    for (let chunk = spec.read(); chunk !== null; chunk = spec.read()) yield chunk;
  }
  spec.end();
  for await (const chunk of spec) yield chunk;
}
