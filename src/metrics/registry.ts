// The project's own registry (never prom-client's global one), with the default
// process/Node.js metrics minus the three that break `promtool check metrics`.
import { collectDefaultMetrics, Registry } from 'prom-client';

// prom-client names these gauges `_total`, which promlint rejects for
// non-counters. It also exports the same totals as nodejs_active_{handles,
// requests,resources} (summed over the per-type gauges), so nothing is lost.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}
