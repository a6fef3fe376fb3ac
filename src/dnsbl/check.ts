// One check of one target on one list (A, then TXT for the reason when
// listed), and the list's health canaries (RFC 5782 §5). Everything that
// leaves here is redacted: a keyed zone's key never reaches a verdict.
import type { DnsLookup } from './dns';
import type { CheckTarget, ListDefinition, Verdict } from './model';
import { classifyAnswer, redact, txtReason } from './classify';
import { canaryNames, queryName } from './query-names';

/**
 * Checks `target` on `list`. A TXT failure keeps the listing (txt undefined):
 * the A answer is what counts. A target the list does not apply to (see
 * queryName) is unknown(bad_query); the round does not ask for those.
 */
export async function checkTarget(lookup: DnsLookup, list: ListDefinition, target: CheckTarget): Promise<Verdict> {
  const name = queryName(list, target);
  if (name === undefined) {
    const shown = target.value.length > 80 ? `${target.value.slice(0, 80)}…` : target.value;
    return { state: 'unknown', reason: 'bad_query', detail: redact(`${list.name} cannot check ${target.kind} ${JSON.stringify(shown)}`, list) };
  }
  return checkName(lookup, list, name);
}

/** checkTarget for a query name already made by queryName (the round makes it once per pair). */
export async function checkName(lookup: DnsLookup, list: ListDefinition, name: string): Promise<Verdict> {
  const verdict = classifyAnswer(list, await lookup.lookup(name, 'A'));
  if (verdict.state !== 'listed') return verdict;
  const txt = txtReason(list, await lookup.lookup(name, 'TXT'));
  return txt === undefined ? verdict : { ...verdict, txt };
}

export interface CanaryHealth { healthy: boolean; detail: string }

function describe(v: Verdict): string {
  if (v.state === 'unknown') return `unknown (${v.reason}: ${v.detail})`;
  if (v.codes.length === 0) return v.state === 'clean' ? 'not listed' : 'listed';
  return `${v.state} (${v.codes.map((c) => c.code).join(', ')})`;
}

/**
 * Queries the list's test entries: the positive one must be listed (any
 * listed code: bl.suomispam.net answers 127.0.0.99) and the negative one must
 * be clean. Catches a zone that answers nothing (dead, or blocking this
 * resolver with NXDOMAIN) and one that lists everything (lapsed domain,
 * refusal codes). Lists without test entries are reported healthy, unchecked.
 */
export async function checkCanaries(lookup: DnsLookup, list: ListDefinition): Promise<CanaryHealth> {
  if (!list.canaries) return { healthy: true, detail: 'no test entries: not canary-checked' };
  const names = canaryNames(list);
  const [pos, neg] = await Promise.all([lookup.lookup(names.positive, 'A'), lookup.lookup(names.negative, 'A')]);
  const positive = classifyAnswer(list, pos);
  const negative = classifyAnswer(list, neg);
  const problems: string[] = [];
  if (positive.state !== 'listed') {
    problems.push(`test entry ${names.positiveLabel} must be listed but is ${describe(positive)}`);
  }
  if (negative.state !== 'clean') {
    problems.push(`test entry ${names.negativeLabel} must not be listed but is ${describe(negative)}`);
  }
  if (problems.length > 0) return { healthy: false, detail: redact(problems.join('; '), list) };
  return { healthy: true, detail: `test entries OK: ${names.positiveLabel} ${describe(positive)}, ${names.negativeLabel} not listed` };
}
