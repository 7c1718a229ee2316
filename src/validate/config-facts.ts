// Reads the image's config file and loads the plugins it names from inside the image root.
import { posix } from 'node:path';
import { MdctlError, quote } from '../core/errors.js';
import { loadPlugin } from '../appliers/plugins.js';
import { BUILTIN_IDS } from '../appliers/registry.js';
import type { Applier } from '../appliers/types.js';
import { parsePasswd } from '../system/passwd.js';
import { loadConfig } from '../config/config.js';
import type { ConfigFacts, PluginFact } from './config-check.js';
import { readImageFile, resolveInImage } from './image-fs.js';

interface ConfigGathered {
  facts: ConfigFacts;
  /** The plugins that loaded, for the dry run. */
  plugins: Applier[];
}

function isPath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('.');
}

/** Loads one plugin named in the config, its path taken inside the image. */
async function loadImagePlugin(root: string, configPath: string, name: string, baseDir: string): Promise<{ fact: PluginFact; applier?: Applier }> {
  let specifier = name;
  if (isPath(name)) {
    const imagePath = name.startsWith('/') ? name : posix.join(posix.dirname(configPath), name);
    const host = await resolveInImage(root, imagePath);
    if (host === null) return { fact: { name, error: `plugin ${quote(name)}: ${imagePath} is not in the image` } };
    specifier = host;
  } else if (root !== '/') {
    return { fact: { name, unchecked: `plugin package ${quote(name)} can only be loaded on the image itself (validate --root /)` } };
  }
  try {
    const applier = await loadPlugin(specifier, baseDir);
    if ((BUILTIN_IDS as readonly string[]).includes(applier.id)) {
      return { fact: { name, error: `plugin ${quote(name)} uses the applier id ${quote(applier.id)}, which is taken` } };
    }
    return { fact: { name, id: applier.id }, applier };
  } catch (error) {
    return { fact: { name, error: error instanceof Error ? error.message : String(error) } };
  }
}

/** The image's config (`configPath` is a path inside the image), parsed, its plugins loaded. */
export async function gatherConfig(root: string, configPath: string): Promise<ConfigGathered> {
  const host = await resolveInImage(root, configPath);
  if (host === null) return { facts: { state: 'absent', path: configPath }, plugins: [] };
  let config;
  try {
    config = await loadConfig(host, true);
  } catch (error) {
    if (!(error instanceof MdctlError)) throw error;
    return { facts: { state: 'invalid', path: configPath, error: error.message.replaceAll(quote(host), quote(configPath)) }, plugins: [] };
  }
  const plugins: PluginFact[] = [];
  const loaded: Applier[] = [];
  const ids = new Set<string>();
  for (const { name, baseDir } of config.appliers) {
    const { fact, applier } = await loadImagePlugin(root, configPath, name, baseDir);
    if (applier !== undefined && ids.has(applier.id)) {
      plugins.push({ name, error: `plugin ${quote(name)} uses the applier id ${quote(applier.id)}, which is taken` });
      continue;
    }
    if (applier !== undefined) {
      ids.add(applier.id);
      loaded.push(applier);
    }
    plugins.push(fact);
  }
  const passwd = (await readImageFile(root, '/etc/passwd'))?.toString('utf8') ?? '';
  return {
    facts: { state: 'ok', path: configPath, config, plugins, users: parsePasswd(passwd).map((entry) => entry.name), builtinIds: BUILTIN_IDS },
    plugins: loaded,
  };
}
