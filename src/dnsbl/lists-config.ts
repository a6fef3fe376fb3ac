// `dnsbl.lists`: catalogue names or full list definitions, validated into
// ListDefinition[]. Every problem is an issue at its path
// (`dnsbl.lists[2].zone: …`), and no message ever contains a key: the list's
// name stands for it, and a key file's content is never quoted.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_LIST_NAMES, KEYED_ZONES, deadListReason, findCatalogueList } from './catalogue';
import { CODE_CLASSES, TIERS, UNKNOWN_REASONS, type CodeMeaning, type ListDefinition } from './model';
import { normaliseDomain } from './query-names';

/**
 * Longest zone accepted: the longest query prefix (72 characters of reversed
 * IPv6 nibbles) plus a key label (64) must still fit DNS's 253 characters.
 */
export const MAX_ZONE_LENGTH = 117;

const KEY_RULE = 'one DNS label: letters, digits and hyphens, at most 63 characters';
const isValidKey = (key: string) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(key);

const codeValueSchema = z.union([
  z.string().min(1).max(200),
  z.strictObject({
    meaning: z.string().min(1).max(200),
    class: z.enum(CODE_CLASSES as [string, ...string[]]),
    reason: z.enum(UNKNOWN_REASONS as [string, ...string[]]).optional(),
  }),
], { error: 'expected a meaning ("SBL listed") or {meaning, class, reason?}' });

const listObjectSchema = z.strictObject({
  zone: z.string(),
  name: z.string().optional(),
  type: z.enum(['ip', 'domain']).optional(),
  codes: z.record(z.string(), codeValueSchema).optional(),
  tier: z.enum(TIERS as [string, ...string[]]).optional(),
  delist_url: z.string().optional(),
  ipv4: z.boolean().optional(),
  ipv6: z.boolean().optional(),
  canaries: z.boolean().optional(),
  query: z.enum(['name', 'registrable_domain']).optional(),
  key: z.string().optional(),
  key_file: z.string().optional(),
  description: z.string().max(500).optional(),
});
type ListObject = z.output<typeof listObjectSchema>;

/** A zod issue to report at `path` (relative to dnsbl.lists); forwarded zod issues keep their other fields. */
interface Issue { path: PropertyKey[]; message: string; code?: string }

/** A fresh copy, so a caller that changes its lists never changes the catalogue. */
function copy(list: ListDefinition): ListDefinition {
  return { ...list, codes: { ...list.codes }, ...(list.bitmask ? { bitmask: { ...list.bitmask } } : {}) };
}

/** The catalogue entries named in DEFAULT_LIST_NAMES (used when `dnsbl.lists` is omitted or empty). */
export function defaultLists(): ListDefinition[] {
  return DEFAULT_LIST_NAMES.map((n) => copy(findCatalogueList(n)!));
}

/** The key of a keyed catalogue zone pasted into a zone (`<key>.zen.dq.spamhaus.net`), if any. */
function keyedZoneWithPrefix(zone: string): string | undefined {
  return KEYED_ZONES.find((kz) => zone.endsWith(`.${kz}`));
}

function keyInZoneMessage(keyedZone: string): string {
  return `looks like a key in front of ${keyedZone}: set zone to ${keyedZone} and put the key in key or key_file (zones are shown in metrics, keys must never be)`;
}

/** Lower case, no trailing dot, a valid host name of at least two labels; undefined otherwise. */
function normaliseZone(text: string): string | undefined {
  const zone = normaliseDomain(text);
  if (zone === undefined || zone.length > MAX_ZONE_LENGTH || zone.indexOf('.') === -1) return undefined;
  return zone;
}

const quote = (s: string) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

function fromString(text: string, at: PropertyKey[], issues: Issue[]): ListDefinition | undefined {
  const found = findCatalogueList(text);
  const zone = normaliseZone(text);
  if (found) {
    if (found.requiresKey) {
      issues.push({ path: at, message: `${found.zone} needs a key: write {zone: ${found.zone}, key_file: /path/to/key} (or key)` });
      return undefined;
    }
    return copy(found);
  }
  if (zone !== undefined) {
    const dead = deadListReason(zone);
    if (dead) {
      issues.push({ path: at, message: `${zone} is dead: ${dead}; remove it` });
      return undefined;
    }
    const keyed = keyedZoneWithPrefix(zone);
    if (keyed) {
      issues.push({ path: at, message: keyInZoneMessage(keyed) });
      return undefined;
    }
    issues.push({ path: at, message: `${quote(zone)} is not in the catalogue; give a full definition {zone, type}` });
    return undefined;
  }
  issues.push({ path: at, message: `${quote(text)} is neither a catalogue list nor a DNS zone name` });
  return undefined;
}

/** Reads a key file: trimmed content; problems name the file, never its content. */
function readKeyFile(file: string, at: PropertyKey[], issues: Issue[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    issues.push({ path: at, message: `cannot read ${file}: ${why}` });
    return undefined;
  }
  const key = text.trim();
  if (key === '') {
    issues.push({ path: at, message: `${file} is empty` });
    return undefined;
  }
  if (!isValidKey(key)) {
    issues.push({ path: at, message: `${file} does not hold a valid key (${KEY_RULE})` });
    return undefined;
  }
  return key;
}

function parseCodes(codes: ListObject['codes'], at: PropertyKey[], issues: Issue[]): Record<string, CodeMeaning> {
  const out: Record<string, CodeMeaning> = {};
  for (const [code, value] of Object.entries(codes ?? {})) {
    const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(code);
    if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) {
      issues.push({ path: [...at, code], message: 'a code is an address in 127.0.0.0/8 such as 127.0.0.2' });
      continue;
    }
    if (typeof value === 'string') {
      out[code] = { meaning: value, class: 'listed' };
    } else {
      if (value.reason !== undefined && value.class !== 'error') {
        issues.push({ path: [...at, code, 'reason'], message: 'only a code of class "error" has a reason' });
        continue;
      }
      out[code] = {
        meaning: value.meaning,
        class: value.class as CodeMeaning['class'],
        ...(value.class === 'error' ? { reason: (value.reason ?? 'blocked_resolver') as CodeMeaning['reason'] } : {}),
      };
    }
  }
  return out;
}

function validDelistUrl(url: string): boolean {
  if (url === '') return true;
  if (!/^https?:\/\//i.test(url)) return false;
  try {
    new URL(url.split('{target}').join('x'));
    return true;
  } catch {
    return false;
  }
}

function fromObject(raw: unknown, at: PropertyKey[], issues: Issue[]): ListDefinition | undefined {
  const parsed = listObjectSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ ...issue, path: [...at, ...issue.path] } as Issue);
    return undefined;
  }
  const o = parsed.data;
  const before = issues.length;

  const zone = normaliseZone(o.zone);
  if (zone === undefined) {
    // Not quoted: a malformed zone may well contain a pasted key.
    issues.push({ path: [...at, 'zone'], message: `not a valid DNS zone name (host name labels, at least two, at most ${MAX_ZONE_LENGTH} characters)` });
    return undefined;
  }
  const dead = deadListReason(zone);
  if (dead) {
    issues.push({ path: [...at, 'zone'], message: `${zone} is dead: ${dead}; remove it` });
    return undefined;
  }
  const keyed = keyedZoneWithPrefix(zone);
  if (keyed) {
    issues.push({ path: [...at, 'zone'], message: keyInZoneMessage(keyed) });
    return undefined;
  }
  const found = findCatalogueList(zone);
  const base = found && found.zone === zone ? found : undefined;

  let key: string | undefined;
  if (o.key !== undefined && o.key_file !== undefined) {
    issues.push({ path: at, message: 'key and key_file are exclusive: give one' });
  } else if (o.key !== undefined) {
    if (isValidKey(o.key.trim())) key = o.key.trim();
    else issues.push({ path: [...at, 'key'], message: `not a valid key (${KEY_RULE})` });
  } else if (o.key_file !== undefined) {
    key = readKeyFile(o.key_file, [...at, 'key_file'], issues);
  } else if (base?.requiresKey) {
    issues.push({ path: at, message: `${zone} needs a key: set key or key_file` });
  }

  const type = o.type ?? base?.type;
  if (type === undefined) issues.push({ path: [...at, 'type'], message: `required for a list that is not in the catalogue: "ip" or "domain"` });

  const name = o.name ?? base?.name ?? zone;
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,98}[A-Za-z0-9])?$/.test(name)) {
    issues.push({ path: [...at, 'name'], message: 'a name is 1–100 letters, digits, ".", "_", ":" or "-" (it becomes a label value)' });
  }
  const delistUrl = o.delist_url ?? base?.delistUrl ?? '';
  if (!validDelistUrl(delistUrl)) issues.push({ path: [...at, 'delist_url'], message: 'expected an http(s) URL ({target} stands for the checked address or domain)' });
  if (key !== undefined) {
    const lk = key.toLowerCase();
    for (const [field, value] of [['name', name], ['delist_url', delistUrl], ['description', o.description ?? '']] as const) {
      if (value.toLowerCase().includes(lk)) issues.push({ path: [...at, field], message: 'must not contain the key (it would show in metrics and on the status page)' });
    }
  }
  const codes = parseCodes(o.codes, [...at, 'codes'], issues);
  if (issues.length > before || type === undefined) return undefined;

  const def: ListDefinition = {
    ...(base ? copy(base) : {}),
    name,
    zone,
    type,
    ipv6: o.ipv6 ?? base?.ipv6 ?? false,
    query: o.query ?? base?.query ?? 'name',
    codes: { ...(base?.codes ?? {}), ...codes },
    tier: (o.tier as ListDefinition['tier'] | undefined) ?? base?.tier ?? 'medium',
    delistUrl,
    // A list of one's own is not assumed to carry the RFC 5782 test entries:
    // a wrong guess would make it permanently "unhealthy".
    canaries: o.canaries ?? base?.canaries ?? false,
  };
  const ipv4 = o.ipv4 ?? base?.ipv4;
  if (ipv4 !== undefined) def.ipv4 = ipv4;
  else delete def.ipv4;
  if (key !== undefined) def.key = key;
  if (o.description !== undefined) def.description = o.description;
  if (def.ipv4 === false && !def.ipv6) {
    issues.push({ path: [...at, 'ipv6'], message: 'a list with ipv4: false must have ipv6: true, or it checks nothing' });
    return undefined;
  }
  return def;
}

/**
 * Schema of `dnsbl.lists`. Input: an array of catalogue names/zones and
 * definitions `{zone, name?, type?, codes?, tier?, delist_url?, ipv4?, ipv6?,
 * canaries?, query?, key? | key_file?, description?}`; a definition whose zone
 * is in the catalogue starts from the catalogue entry. Omitted, null or empty:
 * the default set. Output: ListDefinition[] with unique names.
 */
export const listsSchema = z
  .array(z.unknown(), { error: 'expected a list of DNSBL names or definitions' })
  .nullish()
  .transform((entries, ctx): ListDefinition[] => {
    if (!entries || entries.length === 0) return defaultLists();
    const issues: Issue[] = [];
    const out: ListDefinition[] = [];
    const seen = new Map<string, number>();
    entries.forEach((entry, i) => {
      let def: ListDefinition | undefined;
      if (typeof entry === 'string') def = fromString(entry, [i], issues);
      else if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) def = fromObject(entry, [i], issues);
      else issues.push({ path: [i], message: 'expected a list name such as zen.spamhaus.org or a definition {zone, type, …}' });
      if (!def) return;
      const lower = def.name.toLowerCase();
      const first = seen.get(lower);
      if (first !== undefined) {
        const named = typeof entry === 'object' && (entry as { name?: unknown }).name !== undefined;
        issues.push({ path: named ? [i, 'name'] : [i], message: `duplicate list name "${def.name}" (entry ${first} has it too): give one of them another name` });
        return;
      }
      seen.set(lower, i);
      out.push(def);
    });
    // Issues forwarded from the definition schema keep their zod code (unrecognized_keys lists the keys).
    for (const issue of issues) ctx.addIssue({ code: 'custom', ...issue } as never);
    return issues.length > 0 ? (z.NEVER as never) : out;
  });
