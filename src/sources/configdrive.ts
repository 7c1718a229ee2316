// Reads the OpenStack tree from a config drive's directory (mounted, or a copy): version negotiation, size caps, no symlinks.
import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import type { Problem } from '../core/instance.js';
import type { RawMetadata, RawOpenStack } from '../core/raw.js';
import { optionalJson, parseJsonText } from './status.js';
import { WANTED_FILES, filesAt, negotiateVersion, type OpenStackFile } from './versions.js';

/** The same cap as a network body. */
export const MAX_FILE_BYTES = 1024 * 1024;

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** A regular file's bytes, or null when it does not exist. Symlinks and oversized files are refused. */
async function readRegular(path: string): Promise<Buffer | null> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw new MdctlError('ERR_IO', `config drive file ${quote(path)}: ${errnoOf(error) ?? String(error)}`, { cause: error });
  }
  if (!info.isFile()) throw new MdctlError('ERR_BAD_CONTENT', `config drive file ${quote(path)}: not a regular file`);
  if (info.size > MAX_FILE_BYTES) {
    throw new MdctlError('ERR_BODY_TOO_LARGE', `config drive file ${quote(path)}: ${info.size} bytes, over the ${MAX_FILE_BYTES}-byte cap`);
  }
  return readFile(path);
}

/** A directory of the tree that is a symlink could lead off the drive: refused, never followed. */
async function refuseLinkedDirectory(path: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info?.isSymbolicLink() === true) throw new MdctlError('ERR_BAD_CONTENT', `config drive directory ${quote(path)}: a symbolic link, not followed`);
}

/** Read `dir/openstack/<version>/...`: the newest version mdctl knows, else `latest`. */
export async function readConfigDrive(dir: string, log: (message: string) => void = () => {}): Promise<RawMetadata> {
  const top = join(dir, 'openstack');
  let entries: string[];
  await refuseLinkedDirectory(top);
  try {
    entries = await readdir(top);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw new MdctlError('ERR_IO', `config drive ${quote(dir)}: ${code ?? String(error)}`, { cause: error });
    }
    const isDirectory = await lstat(dir).then((info) => info.isDirectory(), () => false);
    if (!isDirectory) throw new MdctlError('ERR_USAGE', `config drive ${quote(dir)}: no such directory`);
    throw new MdctlError('ERR_INVALID_METADATA', `config drive ${quote(dir)}: no openstack directory in it`);
  }
  const version = negotiateVersion(entries, `config drive ${quote(top)}`);
  log(`config drive ${dir}: OpenStack metadata version ${version}`);
  const root = join(top, version);
  await refuseLinkedDirectory(root);
  const available = new Set(filesAt(version));
  const wanted = WANTED_FILES.filter((file) => available.has(file));
  const contents = await Promise.all(wanted.map(async (file) => ({ file, body: await readRegular(join(root, file)) })));
  const body = (file: OpenStackFile): Buffer | null => contents.find((item) => item.file === file)?.body ?? null;
  const json = (file: OpenStackFile): unknown => {
    const bytes = body(file);
    return bytes === null ? undefined : parseJsonText(bytes, `config drive file ${quote(join(root, file))}`);
  };
  if (body('meta_data.json') === null) {
    throw new MdctlError('ERR_INVALID_METADATA', `config drive ${quote(root)}: no meta_data.json`);
  }
  const problems: Problem[] = [];
  const optional = (file: OpenStackFile): unknown => optionalJson(file, () => json(file), problems);
  const openstack: RawOpenStack = {
    meta_data: json('meta_data.json'),
    network_data: optional('network_data.json'),
    vendor_data: optional('vendor_data.json'),
    vendor_data2: optional('vendor_data2.json'),
    user_data: body('user_data'),
    ...(problems.length === 0 ? {} : { problems }),
  };
  return {
    kind: 'configdrive',
    endpoint: dir,
    version,
    files: contents.filter((item) => item.body !== null).map((item) => item.file),
    openstack,
  };
}
