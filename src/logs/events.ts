// The event model every mail-log parser emits, whatever the MTA. Parsers turn
// one line into zero or more of these; the correlator joins them by message key
// into per-user statistics. Keeping this small and MTA-neutral is what lets one
// stats engine serve Postfix, Exim, Kerio, Sendmail, OpenSMTPD and Exchange.
//
// Times are milliseconds since the epoch, taken from the log line itself (never
// the wall clock), so a backfill from the beginning of a file gives the same
// numbers as live tailing.

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced';

export type MailEvent =
  /**
   * A message entered the queue from an authenticated client. `user` is the
   * SASL login name (Postfix sasl_username, Exim A=auth:user, Kerio User:,
   * Sendmail authid, OpenSMTPD user=, Exchange authenticated sender), never the
   * envelope sender, which a compromised account forges.
   */
  | { type: 'submission'; time: number; messageId: string; user: string; clientAddress?: string }
  /**
   * A message entered the queue without authentication (inbound MX traffic,
   * local pickup, bounces the server generates). Never attributed to a user,
   * but lets the correlator know the key exists.
   */
  | { type: 'unauthenticated'; time: number; messageId: string; clientAddress?: string }
  /**
   * Recipients accepted for the message. `total` (Postfix qmgr nrcpt=, Exchange
   * recipient-count) may be logged again for the same message (qmgr repeats it
   * each time a deferred message re-enters the active queue), so the correlator
   * counts only what exceeds the largest total seen; `increment` (Exim, which
   * logs no count: one per final outcome line) adds up.
   */
  | { type: 'recipients'; time: number; messageId: string; count: number; mode: 'total' | 'increment' }
  /** One delivery attempt result for one recipient. `reply` is the remote server's text, if logged. */
  | { type: 'delivery'; time: number; messageId: string; status: DeliveryStatus; recipient?: string; reply?: string }
  /**
   * The message was handed to a local content filter (Postfix content_filter to
   * amavis on 127.0.0.1:10024, "queued as NEWID") and re-entered the queue as
   * `newMessageId` without authentication: the new key inherits the user, and
   * the hop itself is not a delivery.
   */
  | { type: 'requeued'; time: number; messageId: string; newMessageId: string }
  /** The message left the queue: its correlation state can be freed. */
  | { type: 'message_done'; time: number; messageId: string }
  /**
   * A failed login. `user` is attacker-controlled unless it is a known account;
   * `userExists` is set when the log says so (Dovecot "Password mismatch" vs
   * "unknown user", Kerio "Invalid password for user" vs "doesn't exist").
   */
  | { type: 'auth_failure'; time: number; user?: string; clientAddress?: string; userExists?: boolean }
  /** An unauthenticated client tried to relay ("Relay access denied"). */
  | { type: 'relay_denied'; time: number; clientAddress?: string };

/** What a parser says about one line; `ignored` = understood but irrelevant. */
export type ParseResult =
  | { result: 'parsed'; events: MailEvent[] }
  | { result: 'ignored' }
  | { result: 'malformed'; reason: string };

/**
 * A parser for one log format. Most are pure line → events functions; formats
 * that spread a message over several keys (Sendmail pid → queue ID, OpenSMTPD
 * session → msgid) keep a small bounded join map inside the instance.
 * `now` is only used to infer the year of year-less syslog timestamps.
 */
export interface MailLogParser {
  readonly format: string;
  parse(line: string): ParseResult;
}
