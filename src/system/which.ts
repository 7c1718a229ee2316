// Finds a program on PATH the way execvp does, without running it.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The first executable regular file named `name` in PATH's directories, or null. */
export async function findProgram(name: string, path: string = process.env.PATH ?? ''): Promise<string | null> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    const found = await stat(candidate).then(
      (stats) => stats.isFile(),
      () => false,
    );
    if (found && (await access(candidate, constants.X_OK).then(() => true, () => false))) return candidate;
  }
  return null;
}
