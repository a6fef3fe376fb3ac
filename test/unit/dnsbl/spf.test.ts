// SPF record and term parsing (RFC 7208 §4.5, §5, §6), pure. The walk itself
// is tested against a real rbldnsd in test/integration/dnsbl-targets.test.ts.
import { parseSpfRecord, parseSpfTerm, selectSpfRecord, type ParsedTerm } from '../../../src/dnsbl/spf';
import { parseCidr } from '../../../src/dnsbl/ip';

const net = (t: string) => parseCidr(t.includes('/') ? t : `${t}/${t.includes(':') ? 128 : 32}`)!;

describe('parseSpfTerm', () => {
  test.each<[string, ParsedTerm]>([
    ['all', { kind: 'all', qualifier: '+', text: 'all' }],
    ['-all', { kind: 'all', qualifier: '-', text: '-all' }],
    ['~ALL', { kind: 'all', qualifier: '~', text: '~ALL' }],
    ['?all', { kind: 'all', qualifier: '?', text: '?all' }],
    ['ip4:192.0.2.10', { kind: 'ip4', qualifier: '+', cidr: net('192.0.2.10'), text: 'ip4:192.0.2.10' }],
    ['+ip4:198.51.100.77/28', { kind: 'ip4', qualifier: '+', cidr: net('198.51.100.64/28'), text: '+ip4:198.51.100.77/28' }],
    ['~ip4:203.0.113.0/24', { kind: 'ip4', qualifier: '~', cidr: net('203.0.113.0/24'), text: '~ip4:203.0.113.0/24' }],
    ['IP6:2001:DB8::/32', { kind: 'ip6', qualifier: '+', cidr: net('2001:db8::/32'), text: 'IP6:2001:DB8::/32' }],
    ['ip6:2001:db8::25', { kind: 'ip6', qualifier: '+', cidr: net('2001:db8::25'), text: 'ip6:2001:db8::25' }],
    ['a', { kind: 'a', qualifier: '+', macro: false, cidr4: 32, cidr6: 128, text: 'a' }],
    ['a/24', { kind: 'a', qualifier: '+', macro: false, cidr4: 24, cidr6: 128, text: 'a/24' }],
    ['a//64', { kind: 'a', qualifier: '+', macro: false, cidr4: 32, cidr6: 64, text: 'a//64' }],
    ['a:Mail.Example.com/28//120', { kind: 'a', qualifier: '+', domain: 'mail.example.com', macro: false, cidr4: 28, cidr6: 120, text: 'a:Mail.Example.com/28//120' }],
    ['-a:bad.example.com', { kind: 'a', qualifier: '-', domain: 'bad.example.com', macro: false, cidr4: 32, cidr6: 128, text: '-a:bad.example.com' }],
    ['mx', { kind: 'mx', qualifier: '+', macro: false, cidr4: 32, cidr6: 128, text: 'mx' }],
    ['mx:example.net/30', { kind: 'mx', qualifier: '+', domain: 'example.net', macro: false, cidr4: 30, cidr6: 128, text: 'mx:example.net/30' }],
    ['mx/0//0', { kind: 'mx', qualifier: '+', macro: false, cidr4: 0, cidr6: 0, text: 'mx/0//0' }],
    ['include:_spf.google.com', { kind: 'include', qualifier: '+', domain: '_spf.google.com', macro: false, text: 'include:_spf.google.com' }],
    ['?include:spf.example.org.', { kind: 'include', qualifier: '?', domain: 'spf.example.org', macro: false, text: '?include:spf.example.org.' }],
    ['include:%{d}._spf.example.com', { kind: 'include', qualifier: '+', domain: '%{d}._spf.example.com', macro: true, text: 'include:%{d}._spf.example.com' }],
    ['exists:%{ir}.%{l1r+-}._spf.%{d}', { kind: 'exists', qualifier: '+', domain: '%{ir}.%{l1r+-}._spf.%{d}', macro: true, text: 'exists:%{ir}.%{l1r+-}._spf.%{d}' }],
    ['a:%{ir/}.example.com/24', { kind: 'a', qualifier: '+', domain: '%{ir/}.example.com', macro: true, cidr4: 24, cidr6: 128, text: 'a:%{ir/}.example.com/24' }],
    ['ptr', { kind: 'ptr', qualifier: '+', macro: false, text: 'ptr' }],
    ['ptr:example.com', { kind: 'ptr', qualifier: '+', domain: 'example.com', macro: false, text: 'ptr:example.com' }],
    ['redirect=_spf.example.com', { kind: 'redirect', domain: '_spf.example.com', macro: false, text: 'redirect=_spf.example.com' }],
    ['REDIRECT=%{d}.spf.example.net', { kind: 'redirect', domain: '%{d}.spf.example.net', macro: true, text: 'REDIRECT=%{d}.spf.example.net' }],
    ['exp=explain._spf.%{d}', { kind: 'exp', domain: 'explain._spf.%{d}', macro: true, text: 'exp=explain._spf.%{d}' }],
    ['moo.cow=far', { kind: 'modifier', name: 'moo.cow', text: 'moo.cow=far' }],
    ['v=spf1', { kind: 'modifier', name: 'v', text: 'v=spf1' }],
  ])('%s', (text, term) => {
    expect(parseSpfTerm(text)).toEqual(term);
  });

  test.each<[string, string]>([
    ['all:x', '"all" takes no argument'],
    ['ip4', 'ip4 needs an address'],
    ['ip4:192.0.2.300', 'bad ip4 network'],
    ['ip4:192.0.2.0/33', 'bad ip4 network'],
    ['ip4:2001:db8::1', 'bad ip4 network'],
    ['ip6:192.0.2.1', 'bad ip6 network'],
    ['ip6:2001:db8::/129', 'bad ip6 network'],
    ['a/33', 'CIDR length out of range'],
    ['a//129', 'CIDR length out of range'],
    ['a/024', 'bad a argument'],
    ['a:', 'bad domain'],
    ['mx:exa mple', 'bad domain'],
    ['mx:example.com/', 'bad domain'],
    ['include', 'include needs a domain'],
    ['include:', 'bad domain'],
    ['include:localhost', 'bad domain'],
    ['exists:%{i}\u00e9.example', 'bad domain'],
    ['ptr/24', 'bad ptr argument'],
    ['redirect=', 'bad domain'],
    ['allx', 'unknown mechanism'],
    ['ip5:192.0.2.1', 'unknown mechanism'],
    ['+', 'unknown mechanism'],
    ['=x', 'unknown mechanism'],
  ])('%s is invalid: %s', (text, reason) => {
    expect(parseSpfTerm(text)).toEqual({ kind: 'invalid', text, reason });
  });
});

describe('selectSpfRecord', () => {
  test('no record among unrelated TXT strings is "no SPF", not an error', () => {
    expect(selectSpfRecord(['google-site-verification=abc', 'v=spf10 ip4:192.0.2.1', 'v=spf1x', 'spf1'])).toEqual({});
    expect(selectSpfRecord([])).toEqual({});
  });
  test('exactly one record, the version case-insensitive, followed by a space or the end', () => {
    expect(selectSpfRecord(['MS=ms123', 'V=SPF1 -all'])).toEqual({ record: 'V=SPF1 -all' });
    expect(selectSpfRecord(['v=spf1'])).toEqual({ record: 'v=spf1' });
  });
  test('two records are a permerror', () => {
    expect(selectSpfRecord(['v=spf1 ip4:192.0.2.1 -all', 'v=spf1 -all'])).toEqual({ error: '2 SPF records (permerror)' });
  });
});

describe('parseSpfRecord', () => {
  test('splits on runs of spaces, keeps every term in order', () => {
    const parsed = parseSpfRecord('v=spf1  ip4:192.0.2.0/30 include:_spf.example.net   mx -all ');
    expect('terms' in parsed && parsed.terms.map((t) => t.text)).toEqual(['ip4:192.0.2.0/30', 'include:_spf.example.net', 'mx', '-all']);
  });
  test('an empty policy is valid', () => {
    expect(parseSpfRecord('v=spf1')).toEqual({ terms: [] });
  });
  test('one bad term makes the whole record a permerror', () => {
    expect(parseSpfRecord('v=spf1 ip4:192.0.2.1 ip4:300.1.1.1 -all')).toEqual({ error: '"ip4:300.1.1.1": bad ip4 network (permerror)' });
  });
  test('a second redirect or exp is a permerror', () => {
    expect(parseSpfRecord('v=spf1 redirect=a.example.com redirect=b.example.com')).toEqual({ error: 'more than one redirect= (permerror)' });
    expect(parseSpfRecord('v=spf1 exp=a.example.com -all exp=b.example.com')).toEqual({ error: 'more than one exp= (permerror)' });
  });
  test('hostile term text is quoted and cut in the error', () => {
    const parsed = parseSpfRecord(`v=spf1 ${'x'.repeat(500)}`);
    expect(parsed).toEqual({ error: `"${'x'.repeat(120)}…": unknown mechanism (permerror)` });
  });
  test('a record without the version is refused', () => {
    expect(parseSpfRecord('ip4:192.0.2.1 -all')).toEqual({ error: 'not an SPF record' });
  });
});
