// Where mail logs usually live, so a fresh install with no mail.sources follows
// something real. Generic syslog files could hold any MTA's lines, so they are
// read with format detection; MTA-specific files name their format.
import { accessSync, constants, statSync } from 'node:fs';
import type { MailSourceConfig } from './config';

export const USUAL_MAIL_LOGS: readonly { path: string; format: MailSourceConfig['format'] }[] = [
  { path: '/var/log/mail.log', format: 'auto' },            // Debian/Ubuntu rsyslog (Postfix, Exim via syslog, Dovecot, Sendmail, OpenSMTPD)
  { path: '/var/log/maillog', format: 'auto' },             // RHEL/Fedora/FreeBSD/OpenBSD syslog
  { path: '/var/log/exim4/mainlog', format: 'exim' },       // Debian Exim
  { path: '/var/log/exim/main.log', format: 'exim' },       // RHEL/Alpine Exim
  { path: '/var/log/exim_mainlog', format: 'exim' },        // cPanel Exim
  { path: '/opt/kerio/mailserver/store/logs/mail.log', format: 'kerio' },
  { path: '/opt/kerio/mailserver/store/logs/security.log', format: 'kerio' },
];

function readableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The usual locations that exist and are readable, started at the end (live only). */
export function probeDefaultMailSources(candidates = USUAL_MAIL_LOGS, isReadable = readableFile): MailSourceConfig[] {
  return candidates.filter((c) => isReadable(c.path)).map((c) => ({ path: c.path, format: c.format, start_at: 'end' as const }));
}
