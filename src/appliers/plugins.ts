// Plugin appliers: ES modules (a path or a package name) whose default export is an Applier.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MdctlError, oneLine, quote } from '../core/errors.js';
import { importModule } from '../system/import-module.js';
import type { Applier } from './types.js';

export interface PluginFailure {
  module: string;
  message: string;
}

/** Whether a value has the shape of an Applier; the reason when it does not. */
export function applierShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'the default export is not an object';
  const candidate = value as Partial<Record<keyof Applier, unknown>>;
  if (typeof candidate.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(candidate.id)) return 'id must be a lower-case word (a-z, 0-9, "-")';
  if (typeof candidate.description !== 'string') return 'description must be a string';
  if (typeof candidate.plan !== 'function') return 'plan must be a function';
  if (typeof candidate.apply !== 'function') return 'apply must be a function';
  if (candidate.remember !== undefined && typeof candidate.remember !== 'function') return 'remember must be a function';
  return null;
}

/** The import specifier for a module named on the command line or in the config file. */
export function moduleSpecifier(name: string, baseDir: string): string {
  const isPath = name.startsWith('.') || isAbsolute(name);
  return isPath ? pathToFileURL(resolve(baseDir, name)).href : name;
}

/** How long importing one plugin may take (a top-level await that never settles must not hang the boot). */
const PLUGIN_LOAD_TIMEOUT_MS = 30_000;

function importWithin(specifier: string, ms: number): Promise<{ default?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`import did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([importModule(specifier) as Promise<{ default?: unknown }>, timeout]).finally(() => clearTimeout(timer));
}

/** Loads one plugin; throws ERR_PLUGIN naming the module when it cannot be used. */
export async function loadPlugin(name: string, baseDir: string, timeoutMs = PLUGIN_LOAD_TIMEOUT_MS): Promise<Applier> {
  let module: { default?: unknown };
  try {
    module = await importWithin(moduleSpecifier(name, baseDir), timeoutMs);
  } catch (error) {
    const why = oneLine(error);
    throw new MdctlError('ERR_PLUGIN', `plugin ${quote(name)} failed to load: ${quote(why, 160)}`, { cause: error });
  }
  let problem: string | null;
  try {
    problem = applierShapeProblem(module.default);
  } catch (error) {
    problem = `reading its default export threw ${quote(oneLine(error), 160)}`;
  }
  if (problem !== null) throw new MdctlError('ERR_PLUGIN', `plugin ${quote(name)} is not an applier: ${problem}`);
  return module.default as Applier;
}

/**
 * Loads every plugin; the ones that fail come back as failures (the others still run). An id
 * already taken (a built-in or an earlier plugin) is a failure too.
 */
export async function loadPlugins(
  modules: readonly { name: string; baseDir: string }[],
  takenIds: readonly string[],
  timeoutMs = PLUGIN_LOAD_TIMEOUT_MS,
): Promise<{ appliers: Applier[]; failures: PluginFailure[] }> {
  const appliers: Applier[] = [];
  const failures: PluginFailure[] = [];
  const taken = new Set(takenIds);
  for (const { name, baseDir } of modules) {
    try {
      const applier = await loadPlugin(name, baseDir, timeoutMs);
      if (taken.has(applier.id)) throw new MdctlError('ERR_PLUGIN', `plugin ${quote(name)} uses the applier id ${quote(applier.id)}, which is taken`);
      taken.add(applier.id);
      appliers.push(applier);
    } catch (error) {
      failures.push({ module: name, message: oneLine(error) });
    }
  }
  return { appliers, failures };
}
