// The alert thresholds, exposed as gauges so the bundled alert rules compare
// against them: tuning a limit is a config change, never a PromQL edit. The
// default for every user is the series with user="_default"; a per-user
// override (a newsletter account) is one more series with that user's label.
import type { Thresholds } from './config';
import { normaliseUser } from './stats';
import type { UserLabeller } from './user-label';
import { escapeLabelValue, familyHeader, formatValue } from '../metrics/exposition';

export const DEFAULT_USER_LABEL = '_default';

const PER_USER = [
  ['messages_per_hour', 'mailrep_user_messages_per_hour_threshold', 'Messages per hour above which a user alerts (if also well above their baseline); user="_default" applies to users without an override.'],
  ['recipients_per_hour', 'mailrep_user_recipients_per_hour_threshold', 'Recipients per hour above which a user alerts (if also well above their baseline); user="_default" applies to users without an override.'],
  ['active_hours', 'mailrep_user_active_hours_threshold', 'Active hours of the last 24 at or above which a user alerts as sending around the clock; user="_default" applies to users without an override.'],
  ['client_addresses', 'mailrep_user_client_addresses_threshold', 'Distinct client addresses in 24 h at or above which a login alerts as shared or stolen; user="_default" applies to users without an override.'],
] as const;

const GLOBAL = [
  ['baseline_factor', 'mailrep_user_baseline_factor_threshold', 'A user\'s hourly rate must exceed this many times their own 7-day hourly average (when one exists) to alert.'],
  ['auth_failures_per_hour', 'mailrep_auth_failures_per_hour_threshold', 'Failed logins per hour (all users) above which password guessing alerts.'],
  ['blocklist_rejections_per_hour', 'mailrep_blocklist_rejections_per_hour_threshold', 'Deliveries per hour rejected citing a blacklist at or above which an alert fires.'],
  ['log_malformed_ratio', 'mailrep_log_malformed_ratio_threshold', 'Share of malformed lines of a log source above which an alert fires.'],
] as const;

export function renderThresholds(t: Thresholds, label: UserLabeller): string {
  let out = '';
  for (const [key, name, help] of PER_USER) {
    out += familyHeader(name, 'gauge', help);
    out += `${name}{user="${DEFAULT_USER_LABEL}"} ${formatValue(t[key])}\n`;
    for (const [user, override] of Object.entries(t.overrides)) {
      const v = override[key];
      if (v !== undefined) out += `${name}{user="${escapeLabelValue(label(normaliseUser(user)))}"} ${formatValue(v)}\n`;
    }
  }
  for (const [key, name, help] of GLOBAL) {
    out += familyHeader(name, 'gauge', help);
    out += `${name} ${formatValue(t[key])}\n`;
  }
  out += familyHeader('mailrep_log_source_stale_threshold_seconds', 'gauge', 'A log source with no event for this long alerts as stale.');
  out += `mailrep_log_source_stale_threshold_seconds ${formatValue(t.log_stale_after / 1000)}\n`;
  return out;
}
