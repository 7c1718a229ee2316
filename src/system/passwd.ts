// passwd and group databases under a root: pure parsers and a reader that never follows symlinks.
import { MdctlError, quote } from '../core/errors.js';
import { readFileUnder } from './files.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The largest id: 4294967295 is (uid_t)-1, which chown(2) reads as "leave unchanged". */
const MAX_ID = 4_294_967_294;

function id(text: string): number | undefined {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  return value !== undefined && value <= MAX_ID ? value : undefined;
}

/** The lines of a database file; a CRLF ends a line like LF (an image edited on Windows). */
function linesOf(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Parses /etc/passwd text; lines that are blank, comments, NIS (+/-) or malformed, or whose ids are out of range, are ignored. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of linesOf(text)) {
    const fields = line.split(':');
    if (fields.length !== 7 || line.startsWith('#')) continue;
    const [name, , uidText, gidText, , home, shell] = fields as [string, string, string, string, string, string, string];
    const uid = id(uidText);
    const gid = id(gidText);
    if (name === '' || uid === undefined || gid === undefined || !home.startsWith('/')) continue;
    entries.push({ name, uid, gid, home, shell });
  }
  return entries;
}

/** Parses /etc/group text; malformed lines are ignored. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of linesOf(text)) {
    const fields = line.split(':');
    if (fields.length !== 4 || line.startsWith('#')) continue;
    const [name, , gidText, members] = fields as [string, string, string, string];
    const gid = id(gidText);
    if (name === '' || gid === undefined) continue;
    entries.push({ name, gid, members: members === '' ? [] : members.split(',') });
  }
  return entries;
}

/** Whether a passwd entry is a person who logs in (not a system account or a nologin shell). */
export function isLoginUser(entry: PasswdEntry): boolean {
  return entry.uid >= 1000 && entry.uid !== 65534 && !/(^|\/)(nologin|false)$/.test(entry.shell) && entry.shell !== '';
}

export async function readPasswd(root: string): Promise<PasswdEntry[]> {
  const text = await readFileUnder(root, '/etc/passwd');
  if (text === null) throw new MdctlError('ERR_IO', `cannot read ${quote('/etc/passwd')} under ${quote(root)}: no such file`);
  return parsePasswd(text.toString('utf8'));
}

export async function readGroup(root: string): Promise<GroupEntry[]> {
  const text = await readFileUnder(root, '/etc/group');
  return text === null ? [] : parseGroup(text.toString('utf8'));
}
