// How a login name becomes a label value. `plain` keeps the name; `hmac` maps
// it to HMAC-SHA256(secret, name) cut to 16 hex digits (64 bits: collisions
// are out of reach for any realistic user count) so a TSDB never stores mail
// addresses, while an admin who knows a name can still compute its label
// (`printf %s sam | openssl dgst -sha256 -hmac SECRET | cut -c1-16`, after the
// name is lower-cased as the exporter does).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MailConfig } from './config';

export type UserLabeller = (user: string) => string;

export function userLabeller(mail: Pick<MailConfig, 'user_label' | 'user_label_secret' | 'user_label_secret_file'>): UserLabeller {
  if (mail.user_label === 'plain') return (user) => user;
  const secret = mail.user_label_secret ?? readFileSync(mail.user_label_secret_file!, 'utf8').trim();
  return (user) => createHmac('sha256', secret).update(user).digest('hex').slice(0, 16);
}
