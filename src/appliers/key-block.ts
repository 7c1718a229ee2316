// The marked block of mdctl's keys in authorized_keys: replaced, added at the top, or removed; other lines untouched.
import { MdctlError, quote } from '../core/errors.js';

export const BLOCK_BEGIN = '# BEGIN mdctl managed keys';
export const BLOCK_END = '# END mdctl managed keys';

/** The key lines inside the block, or null when the file has no block. Throws on a damaged block. */
export function blockKeys(text: string, where: string): string[] | null {
  const span = findBlock(text.split('\n'), where);
  return span === null ? null : text.split('\n').slice(span.begin + 1, span.end);
}

function findBlock(lines: string[], where: string): { begin: number; end: number } | null {
  const begins = lines.flatMap((line, index) => (line.trimEnd() === BLOCK_BEGIN ? [index] : []));
  const ends = lines.flatMap((line, index) => (line.trimEnd() === BLOCK_END ? [index] : []));
  if (begins.length === 0 && ends.length === 0) return null;
  const [begin] = begins;
  const [end] = ends;
  if (begins.length !== 1 || ends.length !== 1 || begin === undefined || end === undefined || end < begin) {
    throw new MdctlError('ERR_FAILED', `cannot update ${quote(where)}: its mdctl block is damaged (markers missing or repeated)`, {
      hint: `fix the "${BLOCK_BEGIN}" / "${BLOCK_END}" lines by hand`,
    });
  }
  return { begin, end };
}

/**
 * The file text with the block holding exactly `keys`: an existing block is replaced in place
 * (removed when there are no keys); a new block goes at the top of the file, so that removing
 * it later gives back the original bytes.
 */
export function withKeyBlock(text: string, keys: readonly string[], where: string): string {
  const lines = text.split('\n');
  const block = keys.length === 0 ? [] : [BLOCK_BEGIN, ...keys, BLOCK_END];
  const span = findBlock(lines, where);
  if (span === null) return block.length === 0 ? text : `${block.join('\n')}\n${text}`;
  return [...lines.slice(0, span.begin), ...block, ...lines.slice(span.end + 1)].join('\n');
}
