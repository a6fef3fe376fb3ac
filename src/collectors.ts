// Every collector the exporter runs, in start order. A new concern adds one line.
// The DNSBL checker comes first: the mail collector looks it up as a peer to
// ask for re-checks when a bounce cites a list.
import type { CollectorFactory } from './collector';
import { dnsblCollectorFactory } from './dnsbl/collector';
import { mailCollectorFactory } from './logs/collector';
import { egressCollectorFactory } from './egress/collector';

export const collectorFactories: CollectorFactory[] = [dnsblCollectorFactory, mailCollectorFactory, egressCollectorFactory];
