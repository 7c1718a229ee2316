// Error pages as Nova's WebOb renders them: plain, HTML or JSON chosen by the request's Accept header.
import { pyJsonDumps } from './pyjson.js';

export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  headers?: Record<string, string>;
}

export const TEXT_PLAIN = 'text/plain; charset=UTF-8';
export const TEXT_HTML = 'text/html; charset=UTF-8';
export const APPLICATION_JSON = 'application/json';

/** WebOb's title and default explanation of each error Nova raises here. */
const ERRORS = {
  400: { title: 'Bad Request', explanation: 'The server could not comply with the request since it is either malformed or otherwise incorrect.' },
  403: { title: 'Forbidden', explanation: 'Access was denied to this resource.' },
  404: { title: 'Not Found', explanation: 'The resource could not be found.' },
  409: { title: 'Conflict', explanation: 'There was a conflict when trying to complete your request.' },
} as const;
type ErrorStatus = keyof typeof ERRORS;

type Offer = 'text/html' | 'application/json';
const OFFERS: Offer[] = ['text/html', 'application/json'];
const RANGE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)((?:\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"[^"]*"))*)$/;

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] | undefined {
  const ranges: MediaRange[] = [];
  for (const element of header.split(',')) {
    const text = element.trim();
    if (text === '') continue;
    const match = RANGE.exec(text);
    if (match === null) return undefined;
    const params = (match[3] ?? '').split(';').map((p) => p.trim()).filter((p) => p !== '');
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=') as [string, string];
      if (name.toLowerCase() !== 'q') continue;
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) return undefined;
      q = Number(value);
    }
    ranges.push({ type: (match[1] ?? '').toLowerCase(), subtype: (match[2] ?? '').toLowerCase(), q });
  }
  return ranges;
}

/** The q of the most specific range matching offer, or undefined when none does. */
function qualityOf(offer: Offer, ranges: MediaRange[]): number | undefined {
  const [type, subtype] = offer.split('/') as [string, string];
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    let specificity: number;
    if (range.type === type && range.subtype === subtype) specificity = 2;
    else if (range.type === type && range.subtype === '*') specificity = 1;
    else if (range.type === '*' && range.subtype === '*') specificity = 0;
    else continue;
    if (best === undefined || specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best?.q;
}

/**
 * What WebOb picks: no Accept header means plain text; an unparsable one accepts anything
 * (so HTML); otherwise the acceptable offer with the highest q, HTML first on a tie.
 */
export function negotiate(accept: string | undefined): 'plain' | 'html' | 'json' {
  if (accept === undefined) return 'plain';
  const ranges = parseAccept(accept);
  if (ranges === undefined) return 'html';
  let chosen: { offer: Offer; q: number } | undefined;
  for (const offer of OFFERS) {
    const q = qualityOf(offer, ranges);
    if (q === undefined || q <= 0) continue;
    if (chosen === undefined || q > chosen.q) chosen = { offer, q };
  }
  if (chosen === undefined) return 'plain';
  return chosen.offer === 'text/html' ? 'html' : 'json';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** A WebOb HTTP error page: e.g. 404 with its default explanation, or 400 with Nova's message. */
export function errorPage(status: ErrorStatus, accept: string | undefined, explanation?: string): Answer {
  const { title } = ERRORS[status];
  const text = explanation ?? ERRORS[status].explanation;
  const line = `${status} ${title}`;
  switch (negotiate(accept)) {
    case 'html': {
      const html =
        `<html>\n <head>\n  <title>${line}</title>\n </head>\n <body>\n  <h1>${line}</h1>\n` +
        `  ${escapeHtml(text)}<br /><br />\n\n\n\n </body>\n</html>`;
      return { status, contentType: TEXT_HTML, body: Buffer.from(html) };
    }
    case 'json': {
      const json = pyJsonDumps({ message: `${text}<br /><br />\n\n\n`, code: line, title });
      return { status, contentType: APPLICATION_JSON, body: Buffer.from(json) };
    }
    default:
      return { status, contentType: TEXT_PLAIN, body: Buffer.from(`${line}\n\n${text}\n\n   `) };
  }
}
