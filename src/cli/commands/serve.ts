// `mdctl serve`: run the metadata service emulator until SIGTERM or SIGINT.
import { Exit, MdctlError, quote } from '../../core/errors.js';
import { AccessLog } from '../../emulator/accesslog.js';
import { Faults, loadFaultsFile, type FaultRule } from '../../emulator/faults.js';
import { loadFixtureFile, loadFixtureText, type Fixture } from '../../emulator/fixture.js';
import { SAMPLE_FIXTURE } from '../../emulator/sample.js';
import { parseListenAddress, startServer } from '../../emulator/server.js';
import { MetadataService } from '../../emulator/service.js';
import type { CommandContext } from '../context.js';

interface ServeOptions {
  fixture?: string;
  listen?: string[];
  port: string;
  proxySecret?: string;
  faults?: string;
  log?: string;
}

function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new MdctlError('ERR_USAGE', `serve: --port: ${quote(value)} is not a port (0-65535)`);
  return port;
}

function parseAddresses(values: string[] | undefined): string[] {
  return (values ?? ['127.0.0.1']).map((value) => {
    const address = parseListenAddress(value);
    if (address === undefined) {
      throw new MdctlError('ERR_USAGE', `serve: --listen: ${quote(value)} is not an IP address`, {
        hint: 'e.g. 127.0.0.1, ::1, 169.254.169.254 or fe80::a9fe:a9fe%eth0',
      });
    }
    return address;
  });
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export async function run(ctx: CommandContext): Promise<number> {
  const opts = ctx.opts as unknown as ServeOptions;
  const port = parsePort(opts.port);
  const addresses = parseAddresses(opts.listen);
  const fixture: Fixture =
    opts.fixture === undefined ? loadFixtureText(SAMPLE_FIXTURE, '(bundled sample)') : await loadFixtureFile(opts.fixture);
  const rules: FaultRule[] = opts.faults === undefined ? [] : await loadFaultsFile(opts.faults);
  const service = new MetadataService(fixture, opts.proxySecret === undefined ? {} : { proxySecret: opts.proxySecret });
  const log = opts.log === undefined ? undefined : AccessLog.open(opts.log);
  try {
    const server = await startServer({ service, faults: new Faults(rules), addresses, port, ...(log === undefined ? {} : { log }) });
    const stopped = waitForSignal();
    // The ready line is one line in every format: a script waits for it.
    if (ctx.out.json) ctx.out.data(JSON.stringify({ listening: server.urls }));
    else if (ctx.out.structured) await ctx.out.value({ listening: server.urls });
    else ctx.out.data(`mdctl serve: listening on ${server.urls.join(' ')}`);
    const signal = await stopped;
    ctx.out.debug(`serve: ${signal}: stopping`);
    await server.stop();
    return Exit.OK;
  } finally {
    log?.close();
  }
}
