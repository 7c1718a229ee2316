// Compiles and runs a CommonJS script with V8's code cache kept in a file beside it, so a run skips compiling what earlier runs compiled.
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

interface CachedScript {
  /** A CommonJS module body. It must not call import(): V8 loses the callback with a code cache (Node 20). */
  source: string;
  /** The file the script travels in: stack traces name it, and `require` resolves from it. */
  filename: string;
  /** Where the code cache lives. */
  cachePath: string;
  /** Names this exact source (a hash of it): a cache made for another source is never used. */
  key: string;
  /** Further names the script sees besides the CommonJS ones, with their values. */
  scope: Record<string, unknown>;
}

interface Loaded<T> {
  /** The script's `module.exports`. */
  exports: T;
  /** Says this run used `part` of the script (a command): the first run that uses a part rewrites the cache. */
  uses(part: string): void;
}

const MAGIC = 'mdctl-v8-code-cache';

interface CacheFile {
  data: Buffer;
  /** The parts that the runs which made the cache used: their code is in it. */
  parts: Set<string>;
}

/** The cache file's first line: V8 checks its own version and flags, this checks the source. */
function identity(key: string, names: readonly string[]): string {
  return `${MAGIC} ${key}/${names.join('/')} node-${process.version} ${process.arch}`;
}

/**
 * The cache, when it is a regular file (not through a link) that only its owner can change, and
 * that owner is this user or root: a code cache is code, and mdctl often runs as root, so a file
 * someone else could have put there (the bundle in /tmp, say) is never run.
 */
function readCache(path: string, expected: string): CacheFile | undefined {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile() || (stats.uid !== process.geteuid?.() && stats.uid !== 0) || (stats.mode & 0o022) !== 0) return undefined;
    bytes = readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const end = bytes.indexOf(10);
  const [id, parts = ''] = bytes.subarray(0, Math.max(end, 0)).toString('latin1').split(' parts=');
  if (end < 0 || id !== expected) return undefined;
  return { data: bytes.subarray(end + 1), parts: new Set(parts.split(',').filter((part) => part !== '')) };
}

/**
 * Writes the cache under a temp name created exclusively (a planted link is never followed) and
 * renames it into place, so a reader sees the old cache or the new one, never a part. Best
 * effort: a read-only or full file system only means the next run compiles again.
 */
function writeCache(path: string, header: string, data: Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([Buffer.from(header, 'latin1'), data]), { flag: 'wx', mode: 0o644 });
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
  }
}

/**
 * Runs the script. As the process exits, the cache is written again when it was missing, made
 * for another source or Node, refused by V8, or lacks a part this run used; the new one holds
 * what the old one held and everything this run compiled.
 */
export function runCachedScript<T>(script: CachedScript): Loaded<T> {
  const names = Object.keys(script.scope);
  const id = identity(script.key, names);
  const cache = readCache(script.cachePath, id);
  const compiled = new Script(`(function (exports, require, module, __filename, __dirname, ${names.join(', ')}) {${script.source}\n})`, {
    filename: script.filename,
    cachedData: cache?.data,
  });
  const known = compiled.cachedDataRejected === true ? undefined : cache?.parts;
  const used = new Set<string>();
  process.once('exit', () => {
    if (known !== undefined && [...used].every((part) => known.has(part))) return;
    const parts = [...new Set([...(known ?? []), ...used])].sort();
    writeCache(script.cachePath, `${id} parts=${parts.join(',')}\n`, compiled.createCachedData());
  });
  const module = { exports: {} as T };
  const run = compiled.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(script.filename), module, script.filename, dirname(script.filename), ...Object.values(script.scope));
  return { exports: module.exports, uses: (part) => void used.add(part) };
}
