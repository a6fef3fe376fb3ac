// Which parsed connection attempts are egress SMTP worth reporting: a
// configured SMTP port, from a host that is not a mail server. The parsers
// report every new outbound TCP connection; this is where the config applies,
// so a reload changes it without touching the followers.
import type { EgressConfig } from './config';
import { AddressSet } from './address';
import type { SmtpAttempt } from './attempt';

export type EgressVerdict =
  /** SMTP from a host that should not send it: counted. */
  | 'report'
  /** Not one of the configured ports. */
  | 'other_port'
  /** From a mail server: the one host that is supposed to do this. */
  | 'mail_server'
  /** To a mail server: inbound mail or clients submitting to it, not a host going straight out. */
  | 'to_mail_server'
  /** Routed traffic from outside internal_networks (an internet scanner seen by a logged default-deny rule). */
  | 'not_internal';

export class EgressFilter {
  private readonly ports: ReadonlySet<number>;
  private readonly mailServers: AddressSet;
  private readonly internal: AddressSet;

  constructor(cfg: Pick<EgressConfig, 'ports' | 'mail_servers' | 'internal_networks'>) {
    this.ports = new Set(cfg.ports);
    this.mailServers = new AddressSet(cfg.mail_servers);
    this.internal = new AddressSet(cfg.internal_networks);
  }

  verdict(a: SmtpAttempt): EgressVerdict {
    if (!this.ports.has(a.destinationPort)) return 'other_port';
    if (this.mailServers.has(a.sourceAddress)) return 'mail_server';
    if (this.mailServers.has(a.destinationAddress)) return 'to_mail_server';
    // The firewall host's own traffic (OUTPUT) is egress whatever its address.
    if (this.internal.size > 0 && a.direction !== 'output' && !this.internal.has(a.sourceAddress)) return 'not_internal';
    return 'report';
  }

  isMailServer(address: string): boolean {
    return this.mailServers.has(address);
  }

  hasPort(port: number): boolean {
    return this.ports.has(port);
  }
}
