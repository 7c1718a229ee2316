// What a metadata service's HTTP status means for a crawl: content, absent, or which error.
import { MdctlError, isMdctlError, quote } from '../core/errors.js';
import type { Problem } from '../core/instance.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../model/depth.js';
import type { HttpResponse } from '../net/types.js';

type Outcome = 'ok' | 'absent';

const FORBIDDEN_HINT =
  "the Neutron metadata agent's metadata_proxy_shared_secret does not match nova's; fix the cloud's configuration";
const BAD_REQUEST_HINT = 'the metadata proxy did not add the X-Instance-ID headers nova expects';

/**
 * Judge a response to GET `path`. 2xx is content; 404 is absence when the file is
 * optional. 403 is a wrong proxy secret, 400 missing proxy headers, 5xx a broken service
 * (worth retrying later); anything else is a refusal.
 */
export function judge(response: HttpResponse, path: string, optional: boolean): Outcome {
  const { status } = response;
  if (status >= 200 && status < 300) return 'ok';
  if (status === 404 && optional) return 'absent';
  const what = `GET ${quote(path)}`;
  if (status === 403) {
    throw new MdctlError('ERR_FORBIDDEN', `${what}: 403 Forbidden: the metadata proxy's signature was refused`, { hint: FORBIDDEN_HINT });
  }
  if (status === 400) {
    throw new MdctlError('ERR_REJECTED', `${what}: 400 Bad Request`, { hint: BAD_REQUEST_HINT });
  }
  if (status === 404) throw new MdctlError('ERR_REJECTED', `${what}: 404 Not Found`);
  if (status >= 300 && status < 400) {
    throw new MdctlError('ERR_REDIRECT', `${what}: redirect ${status} to ${quote(header(response, 'location') ?? '')} not followed`);
  }
  if (status >= 500) throw new MdctlError('ERR_UNREACHABLE', `${what}: the service answered ${status}`);
  throw new MdctlError('ERR_REJECTED', `${what}: the service answered ${status}`);
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A body that looks like an HTML page (Nova's error pages, a captive portal). */
function looksLikeHtml(response: HttpResponse): boolean {
  const type = header(response, 'content-type') ?? '';
  if (/\btext\/html\b/i.test(type)) return true;
  const start = response.body.subarray(0, 64).toString('utf8').trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<head') || start.startsWith('<body');
}

/** Parse a JSON file; HTML or malformed JSON is refused with the path named. */
export function parseJsonBody(response: HttpResponse, path: string): unknown {
  if (looksLikeHtml(response)) {
    throw new MdctlError('ERR_BAD_CONTENT', `GET ${quote(path)}: an HTML page where JSON belongs`);
  }
  return parseJsonText(response.body, `GET ${quote(path)}`);
}

/** Parse JSON text; `what` names the request or file in the message. Nesting past MAX_JSON_DEPTH is refused. */
export function parseJsonText(body: Buffer, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new MdctlError('ERR_INVALID_METADATA', `${what}: malformed JSON (${quote(why, 120)})`, { cause: error });
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new MdctlError('ERR_INVALID_METADATA', `${what}: JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return value;
}

/** A plain-text listing; an HTML page is refused. */
export function listingBody(response: HttpResponse, path: string): string {
  if (looksLikeHtml(response)) {
    throw new MdctlError('ERR_BAD_CONTENT', `GET ${quote(path)}: an HTML page where a listing belongs`);
  }
  return response.body.toString('utf8');
}

/**
 * An optional file's parsed JSON: one that does not parse (or nests too deep) is recorded in
 * `problems` and read as undefined, so the rest of the instance is still read. Refusals at the
 * HTTP level (HTML, oversize, a redirect) still throw: the service itself is not to be trusted.
 */
export function optionalJson(file: string, parse: () => unknown, problems: Problem[]): unknown {
  try {
    return parse();
  } catch (error) {
    if (!isMdctlError(error) || error.code !== 'ERR_INVALID_METADATA') throw error;
    // The parser's detail quotes the text; vendor data is secret and the reason goes to the public cache.
    problems.push({ file, reason: file.startsWith('vendor_data') ? error.message.replace(/ \(.*\)$/s, '') : error.message });
    return undefined;
  }
}
