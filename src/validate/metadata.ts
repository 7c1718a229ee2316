// Reads the metadata validate checks: from --endpoint, or from --fixture served by the emulator in-process on loopback.
import { Deadline } from '../core/deadline.js';
import type { RawMetadata } from '../core/raw.js';
import { Faults } from '../emulator/faults.js';
import { loadFixtureFile } from '../emulator/fixture.js';
import { startServer, type RunningServer } from '../emulator/server.js';
import { MetadataService } from '../emulator/service.js';
import { candidates } from '../net/endpoints.js';
import { readMetadata, type SourceSpec } from '../sources/select.js';

export type MetadataTarget = { kind: 'endpoint'; url: string } | { kind: 'fixture'; file: string };

export type CrawlOutcome = { ok: true; raw: RawMetadata; from: string } | { ok: false; error: unknown; from: string };

interface CrawlOptions {
  timeoutMs: number;
  log: (message: string) => void;
}

/** Serves a fixture on 127.0.0.1 (a free port) for the duration of `use`. A bad fixture throws ERR_FIXTURE. */
async function withFixture<T>(file: string, use: (url: string) => Promise<T>): Promise<T> {
  const fixture = await loadFixtureFile(file);
  const server: RunningServer = await startServer({
    service: new MetadataService(fixture),
    faults: new Faults([]),
    addresses: ['127.0.0.1'],
    port: 0,
  });
  try {
    return await use(server.urls[0] as string);
  } finally {
    await server.stop();
  }
}

async function crawlBase(base: string, spec: SourceSpec, options: CrawlOptions): Promise<RawMetadata> {
  return readMetadata({
    spec,
    candidates: () => Promise.resolve(candidates({ ipv4: null, ipv6: [] }, base).map((c) => c.base)),
    clientFactory: async () => (await import('../net/http.js')).createClient,
    deadline: new Deadline(options.timeoutMs),
    root: '/',
    probeConfigDrive: false,
    log: options.log,
  });
}

/**
 * Crawls the target as `mdctl fetch` would (OpenStack tree, EC2 fallback), writing nothing.
 * A crawl failure is returned, not thrown; only a bad --endpoint or --fixture throws (usage).
 */
export async function crawlTarget(target: MetadataTarget, options: CrawlOptions): Promise<CrawlOutcome> {
  const spec: SourceSpec = { kind: 'auto' };
  const attempt = async (base: string, from: string): Promise<CrawlOutcome> => {
    try {
      return { ok: true, raw: await crawlBase(base, spec, options), from };
    } catch (error) {
      return { ok: false, error, from };
    }
  };
  if (target.kind === 'endpoint') {
    candidates({ ipv4: null, ipv6: [] }, target.url);
    return attempt(target.url, target.url);
  }
  return withFixture(target.file, (url) => attempt(url, `fixture ${target.file} served at ${url}`));
}
