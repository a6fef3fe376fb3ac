// The default DNSBL targets: with no `dnsbl.targets` configured the exporter
// checks this host's own public addresses, so a fresh install monitors
// something real. Private, loopback, link-local, CGNAT and documentation
// addresses are left out: no DNSBL lists them, and a host behind NAT sends
// from an address no interface shows (then the log says to configure targets).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isPublicAddress, parseIp } from './ip';

/** A host with more public addresses than this is configured, not guessed. */
export const MAX_INTERFACE_ADDRESSES = 256;

export interface InterfaceAddress { address: string; iface: string }

/**
 * The public (globally routable) addresses of the host's non-internal
 * interfaces, canonical text, in the order the OS lists them, each address
 * once (with the first interface that has it), at most MAX_INTERFACE_ADDRESSES.
 */
export function publicInterfaceAddresses(
  ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  const seen = new Set<string>();
  for (const [iface, infos] of Object.entries(ifaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      const ip = parseIp(info.address);
      if (ip === undefined || seen.has(ip.address) || !isPublicAddress(ip.address)) continue;
      seen.add(ip.address);
      out.push({ address: ip.address, iface });
      if (out.length >= MAX_INTERFACE_ADDRESSES) return out;
    }
  }
  return out;
}
