// The command-line contract in one table: commander, --help, completion and the man page test read it.
import { ENDPOINT_HINT, endpointProblem } from '../core/endpoint.js';
import { BOOT_TIMEOUT_SECONDS, DEFAULT_CACHE_DIR, DEFAULT_CONFIG, DEFAULT_STATE_DIR, FETCH_TIMEOUT_SECONDS, timeoutProblem, timeoutSeconds } from '../core/defaults.js';


export interface OptionSpec {
  /** commander flags, e.g. "--endpoint <url>". */
  flags: string;
  description: string;
  /** Environment variable that supplies the value when the flag is absent. */
  env?: string;
  defaultValue?: string | boolean | string[];
  /** The option may be given more than once; values collect into an array. */
  repeatable?: boolean;
  /** Allowed values, checked by commander. */
  choices?: string[];
  /** Values shell completion offers when they are not enforced as choices. */
  suggestions?: string[];
  /** Checks the value before any command runs: why it is refused, or null. */
  check?: (value: string) => string | null;
  /** What to give instead, printed after a refusal by check. */
  hint?: string;
}

/** The key an option's value has in the parsed options, as commander names it: "--cache-dir" -> "cacheDir", "--no-color" -> "color". */
export function optionKey(flags: string): string {
  const long = /--([a-z][a-z0-9-]*)/.exec(flags)?.[1] ?? flags;
  return long.replace(/^no-/, '').replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function checkTimeout(value: string): string | null {
  return timeoutProblem(timeoutSeconds(value));
}

/** An --endpoint every command accepts: what the fetch would accept (empty is the same as none). */
function checkEndpoint(value: string): string | null {
  return value === '' ? null : endpointProblem(value);
}

function checkSource(value: string): string | null {
  return /^(auto|openstack|ec2|configdrive(:.+)?)$/.test(value) ? null : 'not one of auto, openstack, ec2, configdrive[:DIR]';
}

export interface CommandSpec {
  name: string;
  /** Positional arguments, commander syntax: "[key]", "<shell>". */
  args?: string;
  summary: string;
  options: OptionSpec[];
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '--endpoint <url>', description: 'metadata service base URL; skips route discovery', env: 'MDCTL_ENDPOINT', check: checkEndpoint, hint: ENDPOINT_HINT },
  { flags: '--source <source>', description: 'where metadata comes from: auto, openstack, ec2, configdrive[:DIR]', defaultValue: 'auto', suggestions: ['auto', 'openstack', 'ec2', 'configdrive'], check: checkSource },
  { flags: '--cache-dir <dir>', description: 'directory of the instance cache', env: 'MDCTL_CACHE_DIR', defaultValue: DEFAULT_CACHE_DIR },
  { flags: '--state-dir <dir>', description: 'directory of per-instance state', env: 'MDCTL_STATE_DIR', defaultValue: DEFAULT_STATE_DIR },
  { flags: '--config <file>', description: 'configuration file', env: 'MDCTL_CONFIG', defaultValue: DEFAULT_CONFIG },
  { flags: '--timeout <seconds>', description: `overall deadline in seconds (default ${FETCH_TIMEOUT_SECONDS}; boot: ${BOOT_TIMEOUT_SECONDS})`, check: checkTimeout },
  { flags: '--json', description: 'print JSON on stdout' },
  { flags: '--yaml', description: 'print YAML on stdout' },
  { flags: '-q, --quiet', description: 'print only data and errors' },
  { flags: '--no-color', description: 'no colour (also NO_COLOR, TERM=dumb)' },
  { flags: '--debug', description: 'stack traces and request details on stderr' },
];

const APPLY_OPTIONS: OptionSpec[] = [
  { flags: '--only <ids>', description: 'comma-separated applier ids to run' },
  { flags: '--skip <ids>', description: 'comma-separated applier ids not to run' },
  { flags: '--dry-run', description: 'print the plan, change nothing' },
  { flags: '--root <dir>', description: 'directory file effects go under', defaultValue: '/' },
  { flags: '--live', description: 'also change the running system when --root is not /: running hostname, kernel routes, scripts (chrooted into the root)' },
  { flags: '--no-live', description: 'never change the running system' },
  { flags: '--user <name>', description: 'user whose authorized_keys receive the keys' },
  { flags: '--applier <module>', description: 'load a plugin applier (ES module); repeatable', repeatable: true },
];

export const COMMANDS: CommandSpec[] = [
  { name: 'route', summary: 'show the route to the metadata service', options: [] },
  {
    name: 'fetch',
    summary: 'discover the service, crawl it, normalise and cache the metadata',
    options: [],
  },
  {
    name: 'get',
    args: '[key]',
    summary: 'print one value of the cached document (fetching first if needed)',
    options: [{ flags: '--refresh', description: 'fetch again before answering' }],
  },
  { name: 'apply', summary: 'plan every applier from the cached document and apply the plan', options: APPLY_OPTIONS },
  {
    name: 'boot',
    summary: 'fetch with the boot deadline, then apply; what the boot unit runs',
    options: [...APPLY_OPTIONS, { flags: '--local', description: 'the stage before networking: the config drive only, network and routes appliers' }],
  },
  {
    name: 'validate',
    summary: 'check an image root and the metadata it will get',
    options: [
      { flags: '--root <dir>', description: 'image root to check', defaultValue: '/' },
      { flags: '--fixture <file>', description: 'serve this fixture in-process and check its metadata' },
    ],
  },
  { name: 'doctor', summary: 'walk the path to the metadata service and name the first hop that fails', options: [] },
  {
    name: 'serve',
    summary: 'run the metadata service emulator',
    options: [
      { flags: '--fixture <file>', description: 'fixture YAML (default: the bundled dvr3-demo12 instance)' },
      { flags: '--listen <addr>', description: 'address to listen on; repeatable (default 127.0.0.1)', repeatable: true },
      { flags: '--port <n>', description: 'port (0 picks a free one)', defaultValue: '8775' },
      { flags: '--proxy-secret <secret>', description: 'proxy mode: require Neutron\'s signed headers' },
      { flags: '--faults <file>', description: 'fault injection rules (YAML)' },
      { flags: '--log <file>', description: 'append one JSON line per request' },
    ],
  },
  {
    name: 'install',
    summary: 'put mdctl, its unit, config and man page into an image root',
    options: [
      { flags: '--root <dir>', description: 'image root' },
      { flags: '--dry-run', description: 'say what would be written, write nothing' },
    ],
  },
  {
    name: 'status',
    summary: "this machine boot's run of mdctl: done, running, error or not run",
    options: [
      { flags: '--long', description: 'the timeline: route, every request, normalising, each applier' },
      { flags: '--wait', description: 'wait until the boot is over and exit with its status (deadline: --timeout)' },
    ],
  },
  { name: 'completion', args: '<shell>', summary: 'print a shell completion script (bash)', options: [] },
];
