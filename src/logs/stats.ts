// The correlator and per-user statistics: MTA-neutral events in, the numbers
// behind mailrep_user_* and mailrep_mail_* out.
//
// Joins: a message key (queue ID) remembers which authenticated user submitted
// it, so its recipient count and delivery results are attributed to that user.
// Messages nobody authenticated for (inbound, local, NDRs) are never stored:
// their deliveries count only in the all-mail totals.
//
// Bounds: at most `maxUsers` users (least recently active evicted, their series
// removed), users idle past `userIdleTtlMs` evicted, at most `maxMessages`
// open messages (oldest dropped) which also expire after `messageTtlMs` of log
// time (≥ Postfix's 5-day maximal_queue_lifetime by default), and per-user
// distinct-value windows capped, each and all together (a SightingBudget).
// Evicted users hand their windows back; an open message points at its user
// through a handle (see message-table.ts), one per login name, so a queue full
// of messages from evicted users keeps only their names alive, once each, not
// the records. Failed-login names that are not known users
// are counted under "_unknown": a password guesser cannot mint label values.
//
// Time is log time: `clock` is the newest event time seen (advanced to the wall
// clock by the collector while the logs are quiet), so windows over a backfill
// equal those of live tailing.
import type { DeliveryStatus, MailEvent } from './events';
import { MessageTable, UserHandles } from './message-table';
import { OldestKey } from './oldest-key';
import { ActiveHours, DistinctWindow, MAX_SIGHTINGS, REFRESH_MS, SightingBudget, keptCopy } from './windows';
import { escapeLabelValue, familyHeader, flat, formatValue } from '../metrics/exposition';
import { UserBlocks } from './user-blocks';

export const UNKNOWN_USER = '_unknown';
/** Longest login name kept; longer ones are cut (a label value is no place for a novel). */
const MAX_USER_LENGTH = 256;

export interface MailStatsOptions {
  maxUsers: number;
  userIdleTtlMs: number;
  maxMessages: number;
  messageTtlMs: number;
  /** Distinct client addresses / recipient domains remembered per user (mail.max_distinct_per_user). */
  maxDistinctPerUser: number;
  /** Sightings all users' windows hold together (see SightingBudget); MAX_SIGHTINGS if omitted. */
  maxSightings?: number;
  /** Names always allowed as their own label value on failed logins (mail.known_users). */
  knownUsers: Iterable<string>;
  /** The label value for a user name: the name itself or its HMAC. */
  userLabel(user: string): string;
  /** Which blacklist a bounce reply cites (a bounded name), if any. */
  classifyReply(reply: string): string | undefined;
  /** Told each time a bounce cites a list (the DNSBL checker re-checks it). */
  onBlocklistCitation?(list: string): void;
}

/**
 * One user's numbers. At the user cap every new user evicts one, and the
 * evicted record is made over for the new user (reuse()) rather than left to
 * the collector: a stream of new users (10,000 accounts round robin through
 * 5,000 slots) otherwise turns ~2 KB per message into old-space garbage, and
 * V8 grows its heap by a multiple of that rate.
 */
export class UserRecord {
  name: string;
  labelValue: string;
  /** `user="…"` pre-escaped, rendered on every scrape. */
  labelPair: string;
  messages = 0;
  recipients = 0;
  sent = 0;
  deferred = 0;
  bounced = 0;
  authFailures = 0;
  readonly rejections = new Map<string, number>();
  lastMessage = 0;
  lastActivity = 0;
  /**
   * Log time of the last move to the most-recent end of MailStats.users: the
   * Map's order is by this, not by lastActivity (which every touch moves).
   */
  reorderedAt = -Infinity;
  readonly hours = new ActiveHours();
  /** Bumped on every change; render() rebuilds `rendered` when it moved. */
  version = 0;
  renderedVersion = -1;
  renderedMinute = -1;
  /**
   * This user's lines of all families of USER_FAMILIES, in one flat string;
   * family f ends at renderedEnds[f]. One string, not one per family: a full
   * re-render of 10,000 users then copies each user's text once, not 9 times.
   */
  rendered = '';
  readonly renderedEnds: number[] = new Array<number>(USER_FAMILY_COUNT).fill(0);
  readonly clients: DistinctWindow;
  readonly domains: DistinctWindow;
  /** False once evicted. */
  tracked = true;
  /** Bumped on release: the render blocks' entry for the user this record stood for becomes a hole. */
  generation = 0;
  /** The windowed figures in `rendered`: when only the minute moved and these stand, the text stands. */
  shownHours = -1;
  shownClients = -1;
  shownDomains = -1;
  /**
   * The user's handle in MailStats' UserHandles while tracked (-1 otherwise):
   * how open messages find this record without a lookup by name.
   */
  handle = -1;

  constructor(name: string, labelValue: string, distinctCap: number, budget?: SightingBudget) {
    this.name = name;
    this.labelValue = labelValue;
    this.labelPair = `user="${escapeLabelValue(labelValue)}"`;
    this.clients = new DistinctWindow(distinctCap, undefined, budget);
    this.domains = new DistinctWindow(distinctCap, undefined, budget);
  }

  /** A released record made over for another user, as good as a new one. */
  reuse(name: string, labelValue: string, distinctCap: number): this {
    this.name = name;
    this.labelValue = labelValue;
    this.labelPair = `user="${escapeLabelValue(labelValue)}"`;
    this.messages = this.recipients = this.sent = this.deferred = this.bounced = this.authFailures = 0;
    this.lastMessage = this.lastActivity = 0;
    this.reorderedAt = -Infinity;
    this.hours.reset();
    this.clients.resize(distinctCap);
    this.domains.resize(distinctCap);
    this.version = 0;
    this.renderedVersion = this.renderedMinute = -1;
    this.tracked = true;
    return this;
  }

  /** Evicted: hands the windows' sightings back to the budget and drops what only a scrape needs. */
  release(): void {
    this.tracked = false;
    this.generation++;
    this.clients.clear();
    this.domains.clear();
    // Key by key: Map.clear() allocates a fresh table, once per new user at the cap.
    if (this.rejections.size > 0) for (const list of [...this.rejections.keys()]) this.rejections.delete(list);
    this.rendered = '';
    this.renderedEnds.fill(0);
  }

  familyText(f: number): string {
    return this.rendered.slice(f === 0 ? 0 : this.renderedEnds[f - 1], this.renderedEnds[f]);
  }
}

const STATUSES: readonly DeliveryStatus[] = ['sent', 'deferred', 'bounced'];

/** One more rejection citing `list` (its canonical string: see MailStats.listName). */
function countRejection(counts: Map<string, number>, list: string): void {
  counts.set(list, (counts.get(list) ?? 0) + 1);
}

/** True if s has a character toLowerCase() could change (A-Z, or anything beyond ASCII). */
function mayHaveUpper(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}

/** White space as trim() sees it, for the ASCII fast path (anything beyond ASCII takes trim()). */
function maySpace(c: number): boolean {
  return c <= 32 || c > 127;
}

export function normaliseUser(raw: string): string {
  // The usual name has nothing to trim or lower-case: no new string then.
  const n = raw.length;
  let s = n > 0 && (maySpace(raw.charCodeAt(0)) || maySpace(raw.charCodeAt(n - 1))) ? raw.trim() : raw;
  if (mayHaveUpper(s, 0, s.length)) s = s.toLowerCase();
  return s.length > MAX_USER_LENGTH ? s.slice(0, MAX_USER_LENGTH) : s;
}

export function recipientDomain(recipient: string): string | undefined {
  // lastIndexOf('@') as a loop: V8's lastIndexOf leaves optimised code for the runtime.
  let at = recipient.length - 1;
  while (at >= 0 && recipient.charCodeAt(at) !== 64 /* @ */) at--;
  if (at < 0 || at === recipient.length - 1) return undefined;
  let end = recipient.length;
  if (mayHaveUpper(recipient, at + 1, end)) {
    let domain = recipient.slice(at + 1).toLowerCase();
    if (domain.endsWith('>')) domain = domain.slice(0, -1);
    return domain.length > 0 && domain.length <= 253 ? domain : undefined;
  }
  if (recipient.charCodeAt(end - 1) === 62 /* > */) end--;
  const length = end - at - 1;
  return length > 0 && length <= 253 ? recipient.slice(at + 1, end) : undefined;
}

/** The per-user families, in exposition order; renderUser() fills one string per family. */
const USER_FAMILIES: readonly [string, 'counter' | 'gauge', string][] = [
  ['mailrep_user_messages_total', 'counter', 'Messages accepted from the authenticated user (SASL login name, never the envelope sender).'],
  ['mailrep_user_recipients_total', 'counter', 'Recipients accepted in the messages of the authenticated user.'],
  ['mailrep_user_deliveries_total', 'counter', 'Delivery results logged for the user\'s messages, by status (one per recipient and attempt).'],
  ['mailrep_user_blocklist_rejections_total', 'counter', 'Bounced or deferred deliveries of the user\'s messages whose remote reply cites a blacklist.'],
  ['mailrep_user_auth_failures_total', 'counter', 'Failed logins; names that are not known accounts are counted under user="_unknown".'],
  ['mailrep_user_active_hours', 'gauge', 'Distinct clock hours of the last 24 (log time) in which the user sent mail.'],
  ['mailrep_user_client_addresses', 'gauge', 'Distinct client IP addresses the user submitted mail from in the last 24 hours.'],
  ['mailrep_user_recipient_domains', 'gauge', 'Distinct recipient domains of the user\'s deliveries in the last 24 hours.'],
  ['mailrep_user_last_message_timestamp_seconds', 'gauge', 'Log time of the user\'s last accepted message.'],
];
const USER_FAMILY_COUNT = USER_FAMILIES.length;
const FAMILY_HEADERS: readonly Buffer[] = USER_FAMILIES.map(([name, type, help]) => Buffer.from(familyHeader(name, type, help), 'utf8'));

function renderUser(u: UserRecord, ref: number, minute: number): void {
  const l = u.labelPair;
  u.shownHours = u.hours.count(ref);
  u.shownClients = u.clients.count(ref);
  u.shownDomains = u.domains.count(ref);
  let rejections = '';
  for (const [list, n] of u.rejections) rejections += `mailrep_user_blocklist_rejections_total{${l},list="${escapeLabelValue(list)}"} ${n}\n`;
  const parts = [
    `mailrep_user_messages_total{${l}} ${u.messages}\n`,
    `mailrep_user_recipients_total{${l}} ${u.recipients}\n`,
    `mailrep_user_deliveries_total{${l},status="sent"} ${u.sent}\nmailrep_user_deliveries_total{${l},status="deferred"} ${u.deferred}\nmailrep_user_deliveries_total{${l},status="bounced"} ${u.bounced}\n`,
    rejections,
    `mailrep_user_auth_failures_total{${l}} ${u.authFailures}\n`,
    `mailrep_user_active_hours{${l}} ${u.shownHours}\n`,
    `mailrep_user_client_addresses{${l}} ${u.shownClients}\n`,
    `mailrep_user_recipient_domains{${l}} ${u.shownDomains}\n`,
    u.lastMessage > 0 ? `mailrep_user_last_message_timestamp_seconds{${l}} ${formatValue(u.lastMessage / 1000)}\n` : '',
  ];
  let all = '';
  for (let f = 0; f < USER_FAMILY_COUNT; f++) {
    all += parts[f];
    u.renderedEnds[f] = all.length;
  }
  // Flat: kept until the user changes, and a concatenation is a tree of
  // pieces (5,000 users' trees were 7 MiB of nodes on top of the text).
  u.rendered = flat(all);
  u.renderedVersion = u.version;
  u.renderedMinute = minute;
}

export class MailStats {
  readonly users = new Map<string, UserRecord>();
  /** Login names of tracked users and of queued messages, as handles. */
  private readonly handles = new UserHandles<UserRecord>();
  private readonly messages = new MessageTable(this.handles);
  private readonly oldestUser = new OldestKey(this.users);
  private readonly known: Set<string>;
  private readonly sightings: SightingBudget;
  /**
   * One copy of each list name a bounce cited (classifyReply may return a slice
   * of the reply): per-user maps then share it. Bounded like the list names.
   */
  private readonly listNames = new Map<string, string>();
  /** The record evicted last, released, for the next new user (see UserRecord). */
  private spare?: UserRecord;
  private unknownUser?: UserRecord;
  private mostRecent?: UserRecord;
  /** The per-user text, cached as Buffers per block of users (see user-blocks.ts). */
  private readonly blocks = new UserBlocks<UserRecord>(USER_FAMILIES.length);

  clock = 0;
  readonly deliveries: Record<DeliveryStatus, number> = { sent: 0, deferred: 0, bounced: 0 };
  readonly rejections = new Map<string, number>();
  authFailures = 0;
  relayDenied = 0;
  evicted = 0;

  constructor(private opts: MailStatsOptions) {
    this.known = new Set([...opts.knownUsers].map(normaliseUser));
    this.sightings = new SightingBudget(opts.maxSightings ?? MAX_SIGHTINGS);
  }

  /** Sightings held by all users' distinct-value windows together. */
  get sightingsUsed(): number { return this.sightings.used; }

  /** A reload may change bounds, known users and thresholds; the numbers stay. */
  reconfigure(opts: MailStatsOptions): void {
    const labelChanged = opts.userLabel('x') !== this.opts.userLabel('x');
    const capChanged = opts.maxDistinctPerUser !== this.opts.maxDistinctPerUser;
    this.opts = opts;
    this.known.clear();
    for (const u of opts.knownUsers) this.known.add(normaliseUser(u));
    this.sightings.limit = opts.maxSightings ?? MAX_SIGHTINGS;
    if (labelChanged) {
      // Every label value changes: start the per-user series afresh rather than
      // keep series under the old names.
      for (const user of this.users.values()) this.releaseUser(user);
      this.users.clear();
      this.blocks.clear();
      this.spare = undefined;
      this.unknownUser = undefined;
      this.mostRecent = undefined;
    } else if (capChanged) {
      for (const user of this.users.values()) {
        user.clients.resize(opts.maxDistinctPerUser);
        user.domains.resize(opts.maxDistinctPerUser);
      }
    }
    this.enforceUserCap();
  }

  get openMessages(): number { return this.messages.size; }
  /** Remembered messages dropped at the cap (mail.max_tracked_messages). */
  get messagesDropped(): number { return this.messages.dropped; }

  apply(ev: MailEvent): void {
    if (ev.time > this.clock) this.clock = ev.time;
    switch (ev.type) {
      case 'submission': {
        const name = normaliseUser(ev.user);
        if (name === '') return;
        const user = this.touch(name, ev.time);
        user.messages++;
        if (ev.time > user.lastMessage) user.lastMessage = ev.time;
        user.hours.record(ev.time);
        if (ev.clientAddress) user.clients.record(ev.clientAddress, ev.time);
        this.messages.add(ev.messageId, user.handle, 0, ev.time, this.opts.maxMessages);
        return;
      }
      case 'unauthenticated':
        // Not stored: nothing about it is ever attributed. A stale entry under
        // a reused short queue ID is dropped so it cannot claim this message.
        this.messages.delete(ev.messageId);
        return;
      case 'recipients': {
        const msg = this.messages.find(ev.messageId);
        if (msg < 0) return;
        let add: number;
        if (ev.mode === 'increment') {
          add = ev.count;
        } else {
          const counted = this.messages.recipientsOf(msg);
          add = ev.count > counted ? ev.count - counted : 0;
          if (add > 0) this.messages.setRecipients(msg, ev.count);
        }
        if (add > 0) this.touchMessageUser(msg, ev.time).recipients += add;
        return;
      }
      case 'delivery': {
        const status = ev.status;
        // A switch, not deliveries[status]++: a keyed access by three names is a slow generic one.
        if (status === 'sent') this.deliveries.sent++;
        else if (status === 'deferred') this.deliveries.deferred++;
        else this.deliveries.bounced++;
        const msg = this.messages.find(ev.messageId);
        const user = msg >= 0 ? this.touchMessageUser(msg, ev.time) : undefined;
        if (user) {
          if (status === 'sent') user.sent++;
          else if (status === 'deferred') user.deferred++;
          else user.bounced++;
          if (ev.recipient) {
            const domain = recipientDomain(ev.recipient);
            if (domain) user.domains.record(domain, ev.time);
          }
        }
        if (status !== 'sent' && ev.reply) {
          const cited = this.opts.classifyReply(ev.reply);
          if (cited !== undefined) {
            const list = this.listName(cited);
            countRejection(this.rejections, list);
            if (user) countRejection(user.rejections, list);
            this.opts.onBlocklistCitation?.(list);
          }
        }
        return;
      }
      case 'requeued': {
        const msg = this.messages.find(ev.messageId);
        if (msg >= 0) this.messages.add(ev.newMessageId, this.messages.userOf(msg), Infinity, ev.time, this.opts.maxMessages);
        return;
      }
      case 'message_done':
        this.messages.delete(ev.messageId);
        return;
      case 'auth_failure': {
        this.authFailures++;
        const name = ev.user === undefined ? '' : normaliseUser(ev.user);
        const isKnown = name !== '' && (ev.userExists === true || this.known.has(name) || this.users.has(name));
        const user = isKnown ? this.touch(name, ev.time) : this.unknown();
        user.authFailures++;
        return;
      }
      case 'relay_denied':
        this.relayDenied++;
        return;
    }
  }

  /**
   * Drops idle users and expired messages. `now` (wall clock) advances the
   * window reference while the logs are quiet, so a user who stopped sending
   * decays to 0 active hours instead of freezing at the last value.
   */
  maintain(now?: number): void {
    if (now !== undefined && now > this.clock) this.clock = now;
    const idleBefore = this.clock - this.opts.userIdleTtlMs;
    for (const [name, user] of this.users) {
      if (user.lastActivity >= idleBefore) break;
      this.evict(name);
    }
    this.messages.expire(this.clock - this.opts.messageTtlMs);
  }

  private listName(cited: string): string {
    let list = this.listNames.get(cited);
    if (list === undefined) {
      list = keptCopy(cited);
      this.listNames.set(list, list);
    }
    return list;
  }

  private unknown(): UserRecord {
    this.unknownUser ??= new UserRecord(UNKNOWN_USER, UNKNOWN_USER, 1);
    return this.unknownUser;
  }

  /** touch() of the user of the message in slot `msg`, through its handle's record while tracked. */
  private touchMessageUser(msg: number, time: number): UserRecord {
    const h = this.messages.userOf(msg);
    const user = this.handles.record(h);
    // Evicted: the user comes back under the same handle (touch finds it by name).
    return user !== undefined ? this.refresh(user, time) : this.touch(this.handles.name(h), time);
  }

  /** The user's record, created if needed, moved to the most-recent end. */
  private touch(name: string, time: number): UserRecord {
    const user = this.users.get(name);
    if (user !== undefined) return this.refresh(user, time);
    this.enforceUserCap(this.opts.maxUsers - 1); // room first, so the evicted record can be this one
    // The name is kept as long as the user (and its queued messages): the
    // handle's one copy, not a slice that would keep the whole log line alive.
    const handle = this.handles.handleFor(name);
    const kept = this.handles.name(handle);
    const label = this.opts.userLabel(kept);
    const spare = this.spare;
    this.spare = undefined;
    const created = spare !== undefined
      ? spare.reuse(kept, label, this.opts.maxDistinctPerUser)
      : new UserRecord(kept, label, this.opts.maxDistinctPerUser, this.sightings);
    created.reorderedAt = time; // inserted at the most-recent end just now
    created.handle = handle;
    this.handles.attach(handle, created);
    this.users.set(kept, created);
    this.blocks.add(created);
    return this.refresh(created, time);
  }

  /** Marks a tracked user active at `time`. */
  private refresh(user: UserRecord, time: number): UserRecord {
    // Compared with the last move, not the last activity: every touch moves
    // lastActivity, so a user active more often than once a minute would
    // never move up and be the first evicted.
    if (user !== this.mostRecent && time >= user.reorderedAt + REFRESH_MS) {
      // Re-inserting keeps the Map in least-recently-active order; doing it at
      // most once a minute per user keeps that order right to the minute at a
      // fraction of the cost on interleaved traffic.
      this.users.delete(user.name);
      this.users.set(user.name, user);
      user.reorderedAt = time;
    }
    this.mostRecent = user;
    user.version++;
    if (time > user.lastActivity) user.lastActivity = time;
    return user;
  }

  private enforceUserCap(max = this.opts.maxUsers): void {
    while (this.users.size > max) {
      const name = this.oldestUser.take()!;
      const user = this.users.get(name)!;
      if (user.lastActivity > user.reorderedAt) {
        // Active since its last move (within the minute refresh() skips, or
        // while it was the most recent): a second chance at the recent end,
        // so many new users within a minute cannot push out a busy one.
        // Each user gets it at most once per activity, so the loop ends.
        this.users.delete(name);
        this.users.set(name, user);
        user.reorderedAt = user.lastActivity;
        continue;
      }
      this.evict(name);
    }
  }

  private evict(name: string): void {
    const user = this.users.get(name);
    this.users.delete(name);
    if (user !== undefined) {
      this.releaseUser(user);
      this.spare = user;
    }
    if (user === this.mostRecent) this.mostRecent = undefined;
    this.evicted++;
  }

  /** Evicted (or every user, on a label change): its handle lives on only for its queued messages. */
  private releaseUser(user: UserRecord): void {
    user.release();
    this.blocks.left();
    this.handles.detach(user.handle);
    user.handle = -1;
  }

  /** The mailrep_user_* and mailrep_mail_* families in text exposition format. */
  render(): string {
    return Buffer.concat(this.renderChunks()).toString('utf8');
  }

  /** The same text as UTF-8 pieces, for the /metrics handler to write as they are. */
  renderChunks(): Buffer[] {
    const ref = this.clock;
    // A user's lines are rebuilt only when the user changed or the window
    // reference moved to another minute; a block's Buffers only when one of
    // its users was rebuilt or left. At 10,000 users most of a scrape's cost
    // was building ~110,000 fresh strings and then joining and encoding them.
    const minute = Math.floor(ref / 60_000);
    const perFamily = this.blocks.render((u) => {
      if (u.renderedVersion === u.version) {
        if (u.renderedMinute === minute) return false;
        // Only the window reference moved: for most users nothing left the
        // 24 h windows, and their text (and block) stands.
        u.renderedMinute = minute;
        if (u.hours.count(ref) === u.shownHours && u.clients.count(ref) === u.shownClients && u.domains.count(ref) === u.shownDomains) return false;
      }
      renderUser(u, ref, minute);
      return true;
    });
    const chunks: Buffer[] = [];
    USER_FAMILIES.forEach(([name], f) => {
      chunks.push(FAMILY_HEADERS[f], ...perFamily[f]);
      if (name === 'mailrep_user_auth_failures_total' && this.unknownUser) chunks.push(Buffer.from(`mailrep_user_auth_failures_total{${this.unknownUser.labelPair}} ${this.unknownUser.authFailures}\n`, 'utf8'));
    });
    chunks.push(Buffer.from(this.renderTotals(), 'utf8'));
    return chunks;
  }

  private renderTotals(): string {
    let out = '';
    out += familyHeader('mailrep_mail_deliveries_total', 'counter', 'Delivery results logged for all mail, by status.');
    for (const s of STATUSES) out += `mailrep_mail_deliveries_total{status="${s}"} ${this.deliveries[s]}\n`;
    out += familyHeader('mailrep_mail_blocklist_rejections_total', 'counter', 'Bounced or deferred deliveries whose remote reply cites a blacklist, by list (zone, provider or "other").');
    for (const [list, n] of this.rejections) out += `mailrep_mail_blocklist_rejections_total{list="${escapeLabelValue(list)}"} ${n}\n`;
    out += familyHeader('mailrep_mail_auth_failures_total', 'counter', 'Failed logins, all users.');
    out += `mailrep_mail_auth_failures_total ${this.authFailures}\n`;
    out += familyHeader('mailrep_mail_relay_denied_total', 'counter', 'Relay attempts refused ("Relay access denied").');
    out += `mailrep_mail_relay_denied_total ${this.relayDenied}\n`;
    out += familyHeader('mailrep_users_tracked', 'gauge', 'Users with per-user series (bounded by mail.max_users).');
    out += `mailrep_users_tracked ${this.users.size}\n`;
    out += familyHeader('mailrep_users_evicted_total', 'counter', 'Users whose series were removed: least recently active beyond mail.max_users, or idle past mail.user_idle_ttl.');
    out += `mailrep_users_evicted_total ${this.evicted}\n`;
    out += familyHeader('mailrep_mail_queue_tracked_messages', 'gauge', 'Authenticated messages whose queue ID is remembered for attributing their deliveries.');
    out += `mailrep_mail_queue_tracked_messages ${this.messages.size}\n`;
    out += familyHeader('mailrep_mail_queue_dropped_total', 'counter', 'Remembered messages dropped because the cap (mail.max_tracked_messages) was reached; their later deliveries are not attributed.');
    out += `mailrep_mail_queue_dropped_total ${this.messagesDropped}\n`;
    return out;
  }
}
