// `mdctl fetch`: discover the service, crawl, normalise, write the cache; print a summary or the document.
import { Exit, quote } from '../../core/errors.js';
import { loadConfig } from '../../config/config.js';
import type { CommandContext } from '../context.js';
import { FETCH_TIMEOUT_SECONDS, parseTimeout } from '../../core/defaults.js';
import { fetchInstance, type FetchSummary } from '../../sources/fetch.js';
import { fetchRequest, sourceName } from '../fetch-request.js';
import { escapeControls, type Output } from '../output.js';

/** A long list (an EC2 tree) is cut to its first entries and a count. */
function listed(files: string[]): string {
  const shown = 6;
  return files.length <= shown ? files.join(', ') : `${files.slice(0, shown).join(', ')}, … (${files.length} in all)`;
}

/** A served value as is, or quoted and escaped when it holds control characters (a hostile value could drive the terminal). */
function shown(value: string): string {
  return /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(value) ? escapeControls(quote(value)) : value;
}

async function printSummary(out: Output, summary: FetchSummary): Promise<void> {
  const c = await out.chalk();
  const rows: [string, string][] = [
    ['source', `${summary.kind} ${summary.endpoint}`],
    ['version', summary.version],
    ['files', shown(listed(summary.files))],
    ['instance', shown(summary.instance_id)],
    ['hostname', summary.hostname === null ? '(none)' : shown(summary.hostname)],
    ['cache', summary.cache.join(', ')],
    ['time', `${(summary.elapsed_ms / 1000).toFixed(2)} s`],
  ];
  out.data(rows.map(([label, value]) => `${c.dim(label.padEnd(9))}${label === 'hostname' ? c.bold(value) : value}`).join('\n'));
}

export async function run(ctx: CommandContext): Promise<number> {
  const { opts, out } = ctx;
  // A config named on purpose that is missing, or a bad one, is refused here as by every command that reads it.
  await loadConfig(opts.config);
  const timeoutMs = parseTimeout(opts.timeout, FETCH_TIMEOUT_SECONDS);
  const spinner = await out.spinner(`Fetching instance metadata from ${sourceName(opts)}`);
  try {
    const { instance, summary } = await fetchInstance(fetchRequest(ctx, timeoutMs));
    spinner.stop();
    if (out.structured) await out.value(instance);
    else if (!out.quiet) await printSummary(out, summary);
    return Exit.OK;
  } catch (error) {
    spinner.fail();
    throw error;
  }
}
