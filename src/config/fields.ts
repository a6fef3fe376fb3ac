// Reusable zod field types, so every section reports bad values the same way.
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseDuration } from './duration';

/** A duration string ("500ms", "30s", "5m", "7d"), parsed to milliseconds. */
export function duration(opts: { min?: number; max?: number } = {}) {
  return z.string({ error: 'expected a duration such as 500ms, 30s or 5m' }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 7d)` });
      return z.NEVER;
    }
    if (opts.min !== undefined && ms < opts.min) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is too short (minimum ${opts.min}ms)` });
      return z.NEVER;
    }
    if (opts.max !== undefined && ms > opts.max) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is too long (maximum ${opts.max}ms)` });
      return z.NEVER;
    }
    return ms;
  });
}

/** "host:port", "[v6]:port" or a bare address (then defaultPort). */
export function hostPort(defaultPort: number) {
  return z.string().transform((text, ctx) => {
    const parsed = parseHostPort(text, defaultPort);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not HOST:PORT (IPv6 as [addr]:port)` });
      return z.NEVER;
    }
    return parsed;
  });
}

export interface HostPort { host: string; port: number }

export function parseHostPort(text: string, defaultPort: number): HostPort | undefined {
  let host: string;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracket) {
    host = bracket[1];
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const m = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text);
    if (!m) return undefined;
    host = m[1];
    if (m[2] !== undefined) port = Number(m[2]);
  }
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** An IPv4/IPv6 address or CIDR network. */
export const addressOrCidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}, { message: 'expected an IP address or CIDR such as 192.0.2.10 or 10.0.0.0/8' });

export const positiveInt = (max: number) => z.number().int().min(1).max(max);
