// Does a remote server's reply to one of our deliveries say that we are on a
// blacklist, and which one? The answer becomes a label value
// (mailrep_…{list="…"}), so it is always one of a bounded set: a zone the
// exporter already knows (DNSBL catalogue + configured zones, passed in), a
// provider name from PROVIDER_BLOCKS, or "other". Remote text never becomes a
// label value.
//
// Order: a known zone named in the text (longest wins, label boundaries
// respected), then a list operator's lookup URL that identifies its zone, then
// a big provider's own block wording, then generic blacklist wording.
// Only deferred/bounced replies are passed here (the stats engine decides).

export interface ProviderBlock {
  provider: string;
  pattern: RegExp;
}

/**
 * Block wordings of big mailbox providers whose replies name no zone. Real
 * wordings only (provider postmaster pages, sisimai's why-blocked phrases,
 * field reports in the reference). Patterns run on the lower-cased reply with
 * multi-line continuation codes removed ("…this 550-5.7.1 message…").
 */
export const PROVIDER_BLOCKS: readonly ProviderBlock[] = [
  // Outlook.com / Office 365: "… is on our block list (S3150)", "5.7.606 Access denied, banned sending IP [x]",
  // Hotmail "SC-001 … Unfortunately, messages from x weren't sent", "DY-001 … dynamically-assigned IP ranges".
  { provider: 'microsoft', pattern: /\((?:s3150|s3140|s775)\)|part of their network is on our block list|banned sending ip|\b(?:sc-00[1-4]|dy-00[12]|ou-00[12])\b/ },
  // Yahoo (and AOL on Yahoo's servers): "553 5.7.1 [BL21] Connections will not be accepted from x, because the ip is in Spamhaus's list",
  // "421 4.7.0 [TSS04] Messages from x temporarily deferred due to unexpected volume or user complaints", "[TS01]".
  { provider: 'yahoo', pattern: /\[(?:bl2[1-3]|tss0[45]|ts0[1-4])\]|because the ip is in spamhaus's list/ },
  // Legacy AOL: "554- (RTR:BL) http://postmaster.info.aol.com/errors/554rtrbl.html", RTR:DU dynamic, RTR:BB bad behaviour.
  { provider: 'aol', pattern: /\(rtr:(?:bl|du|bb)\)|postmaster\.info\.aol\.com\/errors\/\d+rtr/ },
  // Gmail: "421-4.7.28 … an unusual rate of unsolicited mail originating from your IP address",
  // "550-5.7.1 … this message is likely unsolicited mail", "… very low reputation of the sending IP address",
  // "550-5.7.1 … The IP you're using to send mail is not authorized to send email directly to our servers".
  { provider: 'gmail', pattern: /unusual rate of unsolicited mail|likely unsolicited mail|very low reputation of the sending (?:ip address|domain)|not authorized to send email directly to our servers/ },
  // iCloud: "554 5.7.1 [CS01] Message rejected due to local policy", "[HM08] Message rejected due to local policy".
  { provider: 'apple', pattern: /\[(?:cs01|hm08)\] message rejected due to local policy/ },
  // Comcast: "… Comcast BL004 Blocked for spam. Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000010".
  { provider: 'comcast', pattern: /postmaster\.comcast\.net\/smtp-error-codes\.php#bl\d+|comcast bl\d{3}\b/ },
  // Proofpoint-protected domains: "… blocked - see https://ipcheck.proofpoint.com/?ip=x".
  { provider: 'proofpoint', pattern: /ipcheck\.proofpoint\.com|support\.proofpoint\.com\/dnsbl-lookup/ },
  // T-Online: "554 IP=x - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)".
  { provider: 't-online', pattern: /tosa@rx\.t-online\.de to clarify\.\) \(bl\)/ },
];

/** Lookup/removal URLs that identify a list's zone without naming it. */
const ZONE_URLS: readonly { zone: string; pattern: RegExp }[] = [
  // "https://www.spamhaus.org/query/ip/x", "http://www.spamhaus.org/query/bl?ip=x", "https://www.spamhaus.org/sbl/query/SBLCSS", "check.spamhaus.org"
  { zone: 'zen.spamhaus.org', pattern: /spamhaus\.org\/(?:query|sbl\/query|xbl\/query|pbl\/query|lookup)|check\.spamhaus\.org/ },
  // "Blocked - see https://www.spamcop.net/bl.shtml?x"
  { zone: 'bl.spamcop.net', pattern: /spamcop\.net\/(?:bl\.shtml|w3m\?action=checkblock)/ },
  // "… http://www.barracudanetworks.com/reputation/?pr=1&ip=x", "barracudacentral.org/rbl/removal-request"
  { zone: 'b.barracudacentral.org', pattern: /barracudacentral\.org|barracudanetworks\.com\/reputation/ },
  // "your sender's ip address is listed at … .abuseat.org" / "http://cbl.abuseat.org/lookup.cgi?ip=x"
  { zone: 'cbl.abuseat.org', pattern: /abuseat\.org\/lookup/ },
];

/** Wording that cites some blacklist without naming a known one. */
const GENERIC =
  /blocked using |\blisted (?:at|by) |\b(?:is|are|was|been|currently|ip|address|host) listed (?:in|on)\b|\bblack ?list(?:ed)?\b|\bblock ?list(?:ed)?\b|\bdeny ?list(?:ed)?\b|\b(?:dns)?rbl\b|\bdnsbl\b|\b(?:poor|bad|low) reputation\b|\b(?:spamhaus|spamcop|barracuda|sorbs|uceprotect|abuseat|mailspike|spamrats|psbl|backscatterer|senderscore|dronebl)\b/;

/** Continuation codes of joined multi-line replies: "550-5.7.1 " inside the text. */
const CONTINUATION = / [245]\d\d[- ][245]\.\d{1,3}\.\d{1,3} /g;

function isLabelChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 /* - */ || c === 95 /* _ */;
}

function isNameChar(c: number): boolean {
  return isLabelChar(c) || c === 46 /* . */;
}

/** What the zone search needs to know of a set of zones, worked out once per set. */
interface ZoneIndex {
  zones: ReadonlySet<string>;
  /** The zones' last labels with their dot (".org", ".net"): a name ending in another cannot be a zone. */
  lastLabels: readonly string[];
  shortest: number;
  /** lengths[n]: some zone is n characters long (a suffix of another length is not looked up). */
  lengths: Uint8Array;
}

function indexZones(zones: ReadonlySet<string>): ZoneIndex {
  const lastLabels = new Set<string>();
  let shortest = Infinity;
  let longest = 0;
  for (const z of zones) {
    // Zones have two labels at least (the config checks; the catalogue's do).
    lastLabels.add(`.${z.slice(z.lastIndexOf('.') + 1)}`);
    shortest = Math.min(shortest, z.length);
    longest = Math.max(longest, z.length);
  }
  const lengths = new Uint8Array(longest + 1);
  for (const z of zones) lengths[z.length] = 1;
  return { zones, lastLabels: [...lastLabels], shortest, lengths };
}

/**
 * The longest zone of the index that `text` (lower case) names as whole DNS
 * labels: "bl.spamcop.net" in "2.0.0.127.bl.spamcop.net" or "…spamcop.net.",
 * not in "xbl.spamcop.net" or "bl.spamcop.net.example".
 *
 * A name is a run of label characters and dots, ended by any other character
 * or by an empty label (".."); dots ending it are dropped ("zen.spamhaus.org."
 * ends a sentence). Rather than walk every character of the reply, the search
 * starts from where a zone could end: each ".<last label>" of a known zone
 * (".org", ".net": a handful of indexOf calls). Where that ends a name, the
 * name's suffixes at label boundaries are looked up in the set, longest
 * first. Names that end in no zone's last label (IP addresses, "5.7.1",
 * queue IDs) cost nothing. One indexOf per zone was 3–5 µs per reply; a walk
 * over every character ~0.8 µs.
 */
function longestZoneNamed(text: string, ix: ZoneIndex): string | undefined {
  let best: string | undefined;
  for (const label of ix.lastLabels) {
    for (let dot = text.indexOf(label); dot >= 0; dot = text.indexOf(label, dot + 1)) {
      const end = dot + label.length;
      // The name must end here: no label character after, and no dot that a label character follows.
      const after = text.charCodeAt(end);
      if (isLabelChar(after) || (after === 46 && isLabelChar(text.charCodeAt(end + 1)))) continue;
      const start = nameStart(text, dot);
      if (end - start < ix.shortest || end - start <= (best?.length ?? 0)) continue;
      // Suffixes from the longest: the first hit is this name's longest zone.
      for (let p = start; p < end; p++) {
        if (p > start && text.charCodeAt(p - 1) !== 46) continue;
        if (end - p <= (best?.length ?? 0)) break;
        if (ix.lengths[end - p] !== 1) continue;
        const candidate = text.slice(p, end);
        if (ix.zones.has(candidate)) { best = candidate; break; }
      }
    }
  }
  return best;
}

/**
 * Where the name holding text[at] starts: back over name characters. Also
 * back over an empty label (".."), which ends a name: no zone holds one, so the
 * suffixes looked up from there on are the same.
 */
function nameStart(text: string, at: number): number {
  let k = at;
  while (k > 0 && isNameChar(text.charCodeAt(k - 1))) k--;
  return k;
}

/**
 * The blacklist a delivery reply cites: a zone from `knownZones` (lower case)
 * when one is named, else a provider from PROVIDER_BLOCKS, else "other" when
 * generic blacklist wording is present; undefined when the reply cites none.
 */
export function classifyBlocklistCitation(reply: string, knownZones: ReadonlySet<string>): string | undefined {
  return classify(reply, indexZones(knownZones));
}

/**
 * classifyBlocklistCitation for one set of zones, indexed once (the set is
 * copied: changing it later changes nothing). What the stats engine calls.
 */
export function blocklistCitationClassifier(knownZones: Iterable<string>): (reply: string) => string | undefined {
  const ix = indexZones(new Set(knownZones));
  return (reply) => classify(reply, ix);
}

/**
 * Any of the patterns below, in one pass: most deferrals (greylisting, full
 * mailboxes, timeouts) cite nothing, and one combined test costs less than
 * the thirteen that would each fail. URL patterns hold no space, so removing
 * continuation codes (between spaces) cannot change whether they match.
 */
const ANY_PATTERN = new RegExp([...ZONE_URLS.map((z) => z.pattern), ...PROVIDER_BLOCKS.map((p) => p.pattern), GENERIC].map((p) => `(?:${p.source})`).join('|'));

function classify(reply: string, ix: ZoneIndex): string | undefined {
  if (reply.length === 0) return undefined;
  const text = reply.toLowerCase();
  const named = longestZoneNamed(text, ix);
  if (named !== undefined) return named;
  const joined = text.indexOf('-') >= 0 ? text.replace(CONTINUATION, ' ') : text;
  if (!ANY_PATTERN.test(joined)) return undefined;
  for (const z of ZONE_URLS) if (ix.zones.has(z.zone) && z.pattern.test(text)) return z.zone;
  for (const p of PROVIDER_BLOCKS) if (p.pattern.test(joined)) return p.provider;
  return GENERIC.test(joined) ? 'other' : undefined;
}
