// `mdctl route`: the way to the metadata service as the kernel sees it (IPv4 route, IPv6 link-local candidates).
import { Exit } from '../../core/errors.js';
import { candidates, noRouteError } from '../../net/endpoints.js';
import { METADATA_IPV4 } from '../../core/ip.js';
import { readRoutes, type RouteReport } from '../../net/route.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';

/** The --json/--yaml form: snake_case like the instance document. */
function toJson(report: RouteReport): Record<string, unknown> {
  const v4 = report.ipv4;
  return {
    target: METADATA_IPV4,
    ipv4:
      v4 === null
        ? null
        : {
            destination: `${v4.destination}/${v4.prefix}`,
            interface: v4.interface,
            gateway: v4.gateway,
            on_link: v4.gateway === null,
            source: v4.source ?? null,
            metric: v4.metric,
            option_121: v4.optionRoute121,
          },
    ipv6: report.ipv6.map((c) => ({ address: c.address, zone: c.zone, interface: c.interface })),
    candidates: candidates(report).map((c) => c.base),
  };
}

async function printHuman(out: Output, report: RouteReport): Promise<void> {
  const c = await out.chalk();
  const lines: string[] = [];
  const v4 = report.ipv4;
  if (v4 === null) {
    lines.push(`${c.bold('ipv4')}  ${c.dim(`no route to ${METADATA_IPV4}`)}`);
  } else {
    const via = v4.gateway === null ? '' : ` via ${v4.gateway}`;
    const onLink = v4.gateway === null ? ' on-link' : '';
    const source = v4.source === undefined ? '' : ` src ${v4.source}`;
    const note = v4.optionRoute121 ? `  ${c.dim('(host route, as DHCP option 121 installs it)')}` : '';
    lines.push(
      `${c.bold('ipv4')}  ${v4.destination}/${v4.prefix}${via} dev ${c.cyan(v4.interface)}${onLink}${source} metric ${v4.metric}${note}`,
    );
  }
  if (report.ipv6.length === 0) lines.push(`${c.bold('ipv6')}  ${c.dim('no link-local interface that is up')}`);
  for (const v6 of report.ipv6) lines.push(`${c.bold('ipv6')}  ${v6.address}%${v6.zone} dev ${c.cyan(v6.interface)}`);
  out.data(lines.join('\n'));
}

export async function run(ctx: CommandContext): Promise<number> {
  const report = await readRoutes('/');
  if (report.ipv4 === null && report.ipv6.length === 0) throw noRouteError();
  if (ctx.out.structured) await ctx.out.value(toJson(report));
  else await printHuman(ctx.out, report);
  return Exit.OK;
}
