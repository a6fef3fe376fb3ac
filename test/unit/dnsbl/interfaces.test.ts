// The no-config default: this host's public interface addresses, nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { MAX_INTERFACE_ADDRESSES, publicInterfaceAddresses } from '../../../src/dnsbl/interfaces';

type Ifaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: `${address}/24` };
}
function v6(address: string, scopeid = 0, internal = false): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal, cidr: `${address}/64`, scopeid };
}

test('a NAT host (this test machine\'s real interface list) has no public address', () => {
  const ifaces = JSON.parse(readFileSync(join(__dirname, '../../fixtures/dnsbl/interfaces-nat-host.json'), 'utf8')) as Ifaces;
  expect(Object.values(ifaces).flat().length).toBe(5);
  expect(publicInterfaceAddresses(ifaces)).toEqual([]);
});

test('a mail server with public IPv4 and IPv6 next to private, link-local and loopback addresses', () => {
  const ifaces: Ifaces = {
    lo: [v4('127.0.0.1', true), v6('::1', 0, true)],
    eth0: [v4('93.184.216.34'), v4('10.0.0.5'), v6('2A00:1450:4001:080B:0000:0000:0000:200E'), v6('fe80::1', 2), v6('fd00::5')],
    eth1: [v4('100.64.1.2'), v4('192.0.2.25'), v4('185.199.108.153')],
    docker0: [v4('172.17.0.1')],
    'wg0': [v4('93.184.216.34')], // same address on a second interface: listed once, with the first
  };
  expect(publicInterfaceAddresses(ifaces)).toEqual([
    { address: '93.184.216.34', iface: 'eth0' },
    { address: '2a00:1450:4001:80b::200e', iface: 'eth0' },
    { address: '185.199.108.153', iface: 'eth1' },
  ]);
});

test('an internal-flagged interface is skipped even with a public address', () => {
  expect(publicInterfaceAddresses({ tun0: [v4('8.8.8.8', true)], eth0: [v4('8.8.4.4')] })).toEqual([{ address: '8.8.4.4', iface: 'eth0' }]);
});

test('undefined interface entries and unparsable addresses are ignored', () => {
  expect(publicInterfaceAddresses({ eth0: undefined, eth1: [v6('fe80::1%eth1')], eth2: [v4('1.1.1.1')] })).toEqual([{ address: '1.1.1.1', iface: 'eth2' }]);
});

test(`at most ${MAX_INTERFACE_ADDRESSES} addresses`, () => {
  const many = Array.from({ length: 300 }, (_, i) => v6(`2001:4860:4860::${(i + 1).toString(16)}`));
  const got = publicInterfaceAddresses({ eth0: many });
  expect(got.length).toBe(256);
  expect(got[255]).toEqual({ address: '2001:4860:4860::100', iface: 'eth0' });
});

test('by default it reads the host\'s interfaces', () => {
  expect(publicInterfaceAddresses()).toEqual(publicInterfaceAddresses(networkInterfaces()));
});
