/**
 * App secrets: named values an app reads from its environment (`process.env.WEATHER_API_KEY`). The values go to the
 * app's processes at start and nowhere else: every line a front logs or emits passes a Redactor, and the model is
 * told only the names.
 */
import { parse } from 'dotenv';
import { readRegular } from './regularFile';
import { SpawnError } from './errors';
import type { SpawnEvent } from './events';

export type AppSecrets = Readonly<Record<string, string>>;

/** Names the runner sets itself; a secret may not replace them. */
const RESERVED = new Set(['PATH', 'HOME', 'PORT', 'HOST', 'SHELL', 'USER', 'PWD', 'NODE_OPTIONS', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'PIP_USER', 'PIP_BREAK_SYSTEM_PACKAGES', 'PYTHONUNBUFFERED', 'SPAWN_APP_PUBLIC_HOST', 'SPAWN_APP_PUBLIC_PROTOCOL']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Why a secret's name cannot be used, in one sentence; undefined when it can. */
export function secretNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `"${name.slice(0, 40)}" is not an environment variable name (letters, digits and _, not starting with a digit).`;
  if (RESERVED.has(name.toUpperCase()) || /^(SPAWN_APP_|npm_config_|BASH_FUNC_)/i.test(name) || /_proxy$/i.test(name)) {
    return `${name} is set by the runner itself; choose another name.`;
  }
  return undefined;
}

/**
 * The most an env file may hold, and one secret's value: the app's environment must stay well under what the
 * kernel takes for a new process (128 KiB per variable, ARG_MAX for all), or starting it fails (E2BIG).
 */
export const SECRET_LIMITS = { fileBytes: 64 * 1024, valueBytes: 32 * 1024, totalBytes: 64 * 1024 } as const;

const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;

/** Why these secrets cannot be given to a process, in one sentence naming the secret (never its value); undefined when they can. */
export function secretsSizeProblem(secrets: AppSecrets): string | undefined {
  let total = 0;
  for (const [name, value] of Object.entries(secrets)) {
    if (value.includes('\0')) return `the value of ${name} holds a NUL byte, which no environment variable can.`;
    const bytes = Buffer.byteLength(value);
    if (bytes > SECRET_LIMITS.valueBytes) return `the value of ${name} is ${kb(bytes)}; a secret's value may be at most ${kb(SECRET_LIMITS.valueBytes)}.`;
    total += Buffer.byteLength(name) + bytes + 2; // NAME=value\0
  }
  if (total > SECRET_LIMITS.totalBytes) return `the secrets hold ${kb(total)} together; they may hold at most ${kb(SECRET_LIMITS.totalBytes)}.`;
  return undefined;
}

/**
 * Reads a dotenv file (the `dotenv` package's syntax): a regular file of at most 64 KB (a FIFO, a device or a
 * growing file is refused, never waited on or read without end). Bad names and sizes are one sentence; values
 * never appear in errors.
 */
export function readEnvFile(file: string): AppSecrets {
  const data = readRegular(file, `The env file ${file}`, SECRET_LIMITS.fileBytes, { followLink: true });
  const parsed = parse(data.toString('utf8'));
  for (const name of Object.keys(parsed)) {
    const problem = secretNameProblem(name);
    if (problem) throw new SpawnError('usage', `In ${file}: ${problem}`);
  }
  const tooBig = secretsSizeProblem(parsed);
  if (tooBig) throw new SpawnError('usage', `In ${file}: ${tooBig}`);
  return parsed;
}

/** Values shorter than this are not redacted on their own (a "1" would blank every digit); they still reach the app. */
const MIN_REDACTED = 4;

/** What a secret's value is replaced with in text a front shows or a model is sent. */
export const REDACTED = '[redacted]';

/** Replaces known secret values with `[redacted]` in text a front shows, logs or emits. */
export class Redactor {
  private values: string[];

  constructor(values: Iterable<string | undefined> = []) {
    this.values = [];
    this.add(values);
  }

  add(values: Iterable<string | undefined>): void {
    for (const v of values) if (v && v.length >= MIN_REDACTED && !this.values.includes(v)) this.values.push(v);
    // Longest first, so a value that contains another is replaced whole.
    this.values.sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.values.length === 0;
  }

  /** The values it redacts, longest first. */
  get redacted(): readonly string[] {
    return this.values;
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }

  /** An event with every string field redacted (file contents too: a file the model wrote may hold a value). */
  event(e: SpawnEvent): SpawnEvent {
    if (this.values.length === 0) return e;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) out[k] = typeof v === 'string' ? this.redact(v) : v;
    return out as SpawnEvent;
  }

  /** An error with its message and detail redacted (same class and code). */
  error(err: unknown): unknown {
    if (this.values.length === 0 || !(err instanceof Error)) return err;
    err.message = this.redact(err.message);
    if (err instanceof SpawnError && err.detail) (err as { detail?: string }).detail = this.redact(err.detail);
    if (err.stack) err.stack = this.redact(err.stack);
    return err;
  }
}

/** What a model may be told about an app's secrets: their names, never their values. */
export function secretsPromptLine(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const list = names.map((n) => `process.env.${n}`).join(', ');
  return `The app's server can read these secrets from its environment: ${list} (Python: os.environ). Read them only in server-side code, never in files sent to the browser, and never print them.`;
}

/** Well-known shapes of credentials that should not sit in an app's files. */
export const CREDENTIAL_SHAPES: readonly { rule: string; re: RegExp; what: string }[] = [
  { rule: 'secret.anthropic_key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/, what: 'an Anthropic API key' },
  { rule: 'secret.openai_key', re: /\bsk-(?!ant-)(?:proj-)?[A-Za-z0-9_-]{20,}/, what: 'an API key (sk-…)' },
  { rule: 'secret.github_token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/, what: 'a GitHub token' },
  { rule: 'secret.aws_key', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, what: 'an AWS access key' },
  { rule: 'secret.slack_token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/, what: 'a Slack token' },
  { rule: 'secret.private_key', re: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, what: 'a private key' },
];

/**
 * The system and user text of a model request for an app with these secrets: the names added to the system prompt,
 * any value that slipped into the text (a file, the app's output) replaced with `[redacted]`.
 */
export function forModel(secrets: AppSecrets | undefined, text: { system: string; user: string }): { system: string; user: string } {
  if (!secrets || Object.keys(secrets).length === 0) return text;
  const r = new Redactor(Object.values(secrets));
  const line = secretsPromptLine(Object.keys(secrets));
  return { system: r.redact(line ? `${text.system}\n${line}` : text.system), user: r.redact(text.user) };
}
