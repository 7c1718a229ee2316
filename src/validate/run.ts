// `mdctl validate` as one call: image checks, then (with --endpoint or --fixture) metadata checks and the dry-run boot.
import type { Exec } from '../system/exec.js';
import { checkConfig } from './config-check.js';
import { gatherConfig } from './config-facts.js';
import { dryRunBoot } from './dry-run.js';
import { checkBootUnit, checkLocalUnit, checkMachineId, checkMdctlRuns, checkNoCache, checkNoHostKeys, checkNoKeys, checkNoState } from './image-checks.js';
import { gatherImageFacts } from './image-facts.js';
import { crawlTarget, type MetadataTarget } from './metadata.js';
import { analyseMetadata, checkCrawl, checkDryRun, excusedAppliers, unreachable } from './metadata-checks.js';
import { checkNetworkFiles, checkNetworkRender } from './network-check.js';
import { METADATA_CHECK_IDS, skip, type CheckId, type CheckResult } from './types.js';

interface ValidateRequest {
  /** The image root, absolute. */
  root: string;
  /** The config file's path inside the image. */
  configPath: string;
  /** Where the metadata comes from; null: image checks only. */
  target: MetadataTarget | null;
  timeoutMs: number;
  log: (message: string) => void;
  /** Injected for tests: runs `mdctl --version` on the live root. */
  exec?: Exec;
  now?: () => Date;
}

export interface ValidateReport {
  results: CheckResult[];
  /** The metadata endpoint could not be reached. */
  unreachable: boolean;
}

function skipped(ids: readonly CheckId[], why: string): CheckResult[] {
  return ids.map((id) => skip(id, why));
}

export async function validate(request: ValidateRequest): Promise<ValidateReport> {
  const { root } = request;
  const facts = await gatherImageFacts(root, request.exec === undefined ? {} : { exec: request.exec });
  const config = await gatherConfig(root, request.configPath);
  const keepsHostKeys = config.facts.state === 'ok' && config.facts.config.host_keys?.regenerate === false;
  const results: CheckResult[] = [
    checkMdctlRuns(facts),
    checkBootUnit(facts),
    checkLocalUnit(facts),
    checkNoCache(facts),
    checkNoState(facts),
    checkNoKeys(facts),
    checkNoHostKeys(facts, keepsHostKeys),
    checkMachineId(facts),
  ];
  const configResult = checkConfig(config.facts);
  results.push(configResult, await checkNetworkFiles(root));
  if (request.target === null) {
    results.push(...skipped(METADATA_CHECK_IDS, 'no --endpoint or --fixture: metadata not checked'));
    return { results, unreachable: false };
  }
  const outcome = await crawlTarget(request.target, { timeoutMs: request.timeoutMs, log: request.log });
  results.push(checkCrawl(outcome));
  if (!outcome.ok) {
    results.push(...skipped(METADATA_CHECK_IDS.slice(1), 'the crawl failed'));
    return { results, unreachable: unreachable(outcome) };
  }
  const analysis = analyseMetadata(outcome.raw, (request.now ?? (() => new Date()))());
  // A config that failed its check is reported there; the dry run then plans with the defaults.
  const usable = configResult.status !== 'fail' && config.facts.state === 'ok' ? config.facts.config : null;
  const networkData = analysis.results.findIndex((result) => result.id === 'network-data');
  const render =
    analysis.doc === null
      ? skip('network-render', 'no document to render from (see meta-data)')
      : await checkNetworkRender(analysis.doc, root, usable?.network?.renderer ?? 'auto', analysis.results[networkData] ?? skip('network-data', ''));
  results.push(...analysis.results.slice(0, networkData + 1), render, ...analysis.results.slice(networkData + 1));
  if (analysis.doc === null) {
    results.push(skip('dry-run', 'no document to plan from (see meta-data)'));
  } else {
    const runs = await dryRunBoot(analysis.doc, root, {
      user: usable?.user,
      plugins: usable === null ? [] : config.plugins,
      only: usable?.only,
      skip: usable?.skip,
    });
    // The network applier's plan is the network-render check's.
    results.push(checkDryRun(runs, new Set([...excusedAppliers(analysis.results), 'network'])));
  }
  return { results, unreachable: false };
}
