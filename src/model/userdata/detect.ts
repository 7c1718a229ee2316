// Part types: from a MIME Content-Type, or from the first bytes (cloud-init's "#cloud-config", "#!" ... prefixes).
import { isUtf8 } from 'node:buffer';
import type { PartType } from './types.js';

export interface Detected {
  type: PartType;
  contentType: string;
}

/** Longest first, so "#cloud-config-archive" is not taken for "#cloud-config". */
const PREFIXES: readonly [string, Detected][] = [
  ['#cloud-config-archive', { type: 'cloud-config-archive', contentType: 'text/cloud-config-archive' }],
  ['#cloud-config-jsonp', { type: 'cloud-config-jsonp', contentType: 'text/cloud-config-jsonp' }],
  ['#cloud-config', { type: 'cloud-config', contentType: 'text/cloud-config' }],
  ['#cloud-boothook', { type: 'boothook', contentType: 'text/cloud-boothook' }],
  ['#include-once', { type: 'include', contentType: 'text/x-include-once-url' }],
  ['#include', { type: 'include', contentType: 'text/x-include-url' }],
  ['#part-handler', { type: 'part-handler', contentType: 'text/part-handler' }],
  ['## template: jinja', { type: 'jinja', contentType: 'text/jinja2' }],
  ['#!', { type: 'script', contentType: 'text/x-shellscript' }],
];

const BY_CONTENT_TYPE: Record<string, PartType> = {
  'text/cloud-config': 'cloud-config',
  'text/x-shellscript': 'script',
  'text/cloud-boothook': 'boothook',
  'text/x-include-url': 'include',
  'text/x-include-once-url': 'include',
  'text/part-handler': 'part-handler',
  'text/cloud-config-archive': 'cloud-config-archive',
  'text/cloud-config-jsonp': 'cloud-config-jsonp',
  'text/jinja2': 'jinja',
};

/** Content types that say nothing about the content: the first bytes decide (as cloud-init does). */
const GENERIC = new Set(['text/plain', 'text/x-not-multipart', 'application/octet-stream', 'application/gzip', 'application/x-gzip']);

/** Text that is valid UTF-8 without NUL; anything else is binary. */
function isText(data: Buffer): boolean {
  return !data.includes(0) && isUtf8(data);
}

/** The type of a payload from its first bytes. */
export function detectContent(data: Buffer): Detected {
  const head = data.subarray(0, 64).toString('latin1');
  for (const [prefix, detected] of PREFIXES) if (head.startsWith(prefix)) return detected;
  return isText(data) ? { type: 'text', contentType: 'text/plain' } : { type: 'binary', contentType: 'application/octet-stream' };
}

/** The type of a MIME part: its Content-Type when it names one, else its first bytes. */
export function detectPart(contentType: string | null, data: Buffer): Detected {
  if (contentType === null || GENERIC.has(contentType)) return detectContent(data);
  if (contentType.startsWith('multipart/')) return { type: 'multipart', contentType };
  const known = BY_CONTENT_TYPE[contentType];
  if (known !== undefined) return { type: known, contentType };
  return { type: isText(data) ? 'text' : 'binary', contentType };
}
