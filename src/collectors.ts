// Every collector the exporter runs, in start order. A new concern adds one line.
import type { CollectorFactory } from './collector';

export const collectorFactories: CollectorFactory[] = [];
