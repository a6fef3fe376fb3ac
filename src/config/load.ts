// Loading and validating the configuration file. Errors name the key path and
// the reason (`dnsbl.lists[2].zone: required`) so a typo is found in seconds.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[], readonly file?: string) {
    super(`${file ? `${file}: ` : ''}${problems.join('; ')}`);
  }
}

/** `["dnsbl","lists",2,"zone"]` → `dnsbl.lists[2].zone`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** One zod issue as messages naming the key path; never quotes the offending value (it may be a secret). */
export function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  const prefix = at === '' ? '' : `${at}: `;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key`);
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return [`${prefix}required`];
      // zod's generic wording is rewritten; a schema's own message (e.g. for durations) is kept.
      if (!issue.message.startsWith('Invalid input')) return [`${prefix}${issue.message}`];
      return [`${prefix}expected ${issue.expected}, ${issue.message.replace(/^.*received /, 'got ')}`];
    case 'invalid_union':
      return [`${prefix}${issue.message === 'Invalid input' ? 'does not match any accepted form' : issue.message}`];
    case 'invalid_value':
      return [`${prefix}must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    default:
      return [`${prefix}${issue.message}`];
  }
}

/** Validates an already-parsed YAML/JSON value. */
export function validateConfig(raw: unknown, file?: string): Config {
  const input = raw === null || raw === undefined ? {} : raw;
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap(describeIssue), file);
  return result.data;
}

/** Parses YAML text; syntax errors carry line and column. */
export function parseConfigText(text: string, file?: string): Config {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`), file);
  }
  return validateConfig(doc.toJS(), file);
}

export interface LoadedConfig { config: Config; source: string }

/**
 * Reads the config file. A missing file is an error when it was named explicitly;
 * the default file may be absent, which means "run on the built-in defaults".
 */
export async function loadConfigFile(file: string, explicit: boolean): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { config: validateConfig({}), source: 'built-in defaults' };
    throw new ConfigError([code === 'ENOENT' ? 'file does not exist' : `cannot read: ${(err as Error).message}`], file);
  }
  return { config: parseConfigText(text, file), source: file };
}
