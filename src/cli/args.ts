/**
 * The CLI's arguments, declared per command: each command names its positionals and its own options, the usage text
 * is generated from these declarations, and an option of another command is refused in one sentence (exit 2).
 */
import { parseArgs } from 'node:util';
import { SpawnError } from '../core/base/errors';
import { APP_TYPES, generatorChoices, PROVIDER_CHOICES } from '../core/session';
import type { GeneratorChoice, ProviderChoice } from '../core/session';

export type OptionName =
  | 'type' | 'generator' | 'provider' | 'out' | 'json' | 'yes' | 'detach' | 'all' | 'no-network' | 'allow-lan'
  | 'no-prewarm' | 'keep' | 'dir' | 'allow-local-unsandboxed' | 'allow-destroy-any' | 'clear' | 'env-file' | 'budget'
  | 'on-timeout' | 'data-volume' | 'screenshot' | 'fix' | 'help' | 'version';

interface OptionDecl {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in the usage text ("USD", "FILE"), or its choices. */
  value?: string;
  choices?: readonly string[];
}

/** Every option, once: its type, short form and value. Which command takes it is the command's declaration. */
export const OPTIONS: Readonly<Record<OptionName, OptionDecl>> = {
  type: { type: 'string', short: 't', choices: APP_TYPES },
  // The tables' ids (a generator that needs an editor's chat model is not the CLI's), so a new one is offered here too.
  generator: { type: 'string', short: 'g', choices: generatorChoices(false) },
  provider: { type: 'string', short: 'p', choices: PROVIDER_CHOICES },
  out: { type: 'string', short: 'o', value: 'DIR' },
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  detach: { type: 'boolean' },
  all: { type: 'boolean' },
  'no-network': { type: 'boolean' },
  'allow-lan': { type: 'boolean' },
  'no-prewarm': { type: 'boolean' },
  keep: { type: 'boolean' },
  dir: { type: 'string', value: 'DIR' },
  'allow-local-unsandboxed': { type: 'boolean' },
  'allow-destroy-any': { type: 'boolean' },
  clear: { type: 'boolean' },
  'env-file': { type: 'string', value: 'FILE' },
  budget: { type: 'string', value: 'USD' },
  'on-timeout': { type: 'string', choices: ['pause', 'kill'] },
  'data-volume': { type: 'string', value: 'NAME' },
  screenshot: { type: 'string', value: 'FILE' },
  fix: { type: 'string', value: 'N' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

export interface CommandDecl {
  /** The positionals as the usage shows them ("PATH", '"<prompt>"'). */
  args: readonly string[];
  /** Its own options (--help and --version are every command's). */
  options: readonly OptionName[];
  /** One line on what it does (after the synopsis). */
  summary?: string;
  /** Options the usage leaves out of the synopsis (accepted, rarely needed). */
  quiet?: readonly OptionName[];
}

const APP = ['env-file', 'budget'] as const;
const LOCAL = ['no-network', 'allow-lan'] as const;

/** The commands, in the usage text's order. */
export const COMMANDS = {
  run: { args: ['"<prompt>"'], options: ['type', 'generator', 'provider', 'json', 'yes', 'detach', ...LOCAL, 'no-prewarm', ...APP, 'on-timeout', 'data-volume', 'screenshot', 'fix'] },
  generate: { args: ['"<prompt>"'], options: ['type', 'generator', 'out', 'json', ...APP] },
  validate: { args: ['PATH'], options: ['json', 'env-file'], summary: 'PATH: a folder with spawn-app.json, or a spec .json file' },
  deploy: { args: ['PATH'], options: ['provider', 'json', 'yes', 'detach', ...LOCAL, ...APP, 'on-timeout', 'data-volume', 'screenshot', 'fix'] },
  refine: { args: ['PATH', '"<follow-up>"'], options: ['json', ...APP], summary: 'change an app folder with Claude; prints the changed paths' },
  list: { args: [], options: ['json'], summary: 'every sandbox with its state (running, paused)' },
  pause: { args: ['ID'], options: ['json'], quiet: ['json'], summary: 'an E2B sandbox: paused costs nothing' },
  resume: { args: ['ID'], options: ['json'], quiet: ['json'], summary: 'a paused E2B sandbox runs again for the timeout' },
  destroy: { args: ['ID|--all'], options: ['all', 'json'], quiet: ['all', 'json'] },
  mcp: { args: [], options: ['dir', 'provider', 'keep', 'allow-local-unsandboxed', 'allow-destroy-any', ...LOCAL, 'no-prewarm', ...APP, 'data-volume', 'json'], quiet: ['json'], summary: 'an MCP server on stdio for agents (Claude Code, Cursor, VS Code)' },
  cache: { args: [], options: ['clear', 'json'], summary: 'the local dependency cache: entries and sizes; --clear removes them' },
  data: { args: ['export|import', 'ID', 'FILE'], options: ['json'], quiet: ['json'], summary: "a sandbox's app data folder ($DATA_DIR) to or from a .tar.gz" },
} as const satisfies Record<string, CommandDecl>;

export type CommandName = keyof typeof COMMANDS;

export interface Parsed {
  /** Undefined: none given (or "help"). */
  cmd?: CommandName;
  positionals: string[];
  opts: ParsedOptions;
}

/** The options as the commands read them: booleans false when not given. */
export interface ParsedOptions {
  /** One of APP_TYPES (checked by parse). */
  type?: string;
  /** One of the generator table's choices (checked by parse). */
  generator?: GeneratorChoice;
  /** One of the provider table's choices (checked by parse). */
  provider?: ProviderChoice;
  out?: string;
  dir?: string;
  'env-file'?: string;
  budget?: string;
  'on-timeout'?: string;
  'data-volume'?: string;
  screenshot?: string;
  fix?: string;
  json: boolean;
  yes: boolean;
  detach: boolean;
  all: boolean;
  'no-network': boolean;
  'allow-lan': boolean;
  'no-prewarm': boolean;
  keep: boolean;
  'allow-local-unsandboxed': boolean;
  'allow-destroy-any': boolean;
  clear: boolean;
  help: boolean;
  version: boolean;
}

/** --fix N: rounds of the fix loop after a failed verification (0-10); undefined when not given (the session's default). */
export function fixRounds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 10) throw usage('--fix must be a whole number of rounds from 0 to 10.');
  return n;
}

/** A usage error: the sentence, then where the usage is. */
export function usage(msg: string): SpawnError {
  return new SpawnError('usage', `${msg} Run "spawn-app --help" for usage.`);
}

/** A usage error the session raised (an empty or too long prompt), with where the usage is. */
export function withUsageHint<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpawnError && err.code === 'usage') throw usage(err.message);
    throw err;
  }
}

const isCommand = (s: string | undefined): s is CommandName => s !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, s);

/** The command word: the first argument that is neither an option nor an option's value. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1];
    if (!a.startsWith('-') || a === '-') return a;
    const long = a.startsWith('--') ? a.slice(2) : undefined;
    const decl = long !== undefined ? OPTIONS[long as OptionName] : Object.values(OPTIONS).find((o) => o.short === a.slice(1));
    if (decl?.type === 'string' && !a.includes('=')) i++;
  }
  return undefined;
}

function optionsOf(names: readonly OptionName[]): Record<string, { type: 'string' | 'boolean'; short?: string; default?: boolean }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; default?: boolean }> = {};
  for (const n of [...names, 'help', 'version'] as OptionName[]) {
    const o = OPTIONS[n];
    out[n] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.type === 'boolean' ? { default: false } : {}) };
  }
  return out;
}

/** The option an unknown-option error names ("--out", "-o"). */
function unknownOption(err: unknown): string | undefined {
  return /Unknown option '([^']+)'/.exec(err instanceof Error ? err.message : '')?.[1];
}

/** Parses argv for its command; an option the command does not take is one sentence naming who takes it. */
export function parse(argv: readonly string[]): Parsed {
  const word = commandWord(argv);
  const cmd = isCommand(word) ? word : undefined;
  const names: readonly OptionName[] = cmd ? COMMANDS[cmd].options : word === undefined || word === 'help' ? [] : (Object.keys(OPTIONS) as OptionName[]);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: optionsOf(names) });
  } catch (err) {
    const opt = unknownOption(err);
    const name = opt?.replace(/^-+/, '');
    const long = name && (OPTIONS[name as OptionName] ? name : Object.entries(OPTIONS).find(([, o]) => o.short === name)?.[0]);
    if (cmd && long) {
      const takers = (Object.keys(COMMANDS) as CommandName[]).filter((c) => (COMMANDS[c].options as readonly string[]).includes(long));
      throw usage(`${cmd} takes no --${long} option${takers.length ? ` (${takers.join(', ')} ${takers.length === 1 ? 'takes' : 'take'} it)` : ''}.`);
    }
    throw usage((err instanceof Error ? err.message : String(err)).replace(/\.$/, '') + '.');
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const n of names) {
    const choices = OPTIONS[n].choices;
    const v = values[n];
    if (choices && typeof v === 'string' && !choices.includes(v)) throw usage(`--${n} must be one of ${choices.join(', ')}.`);
  }
  const [, ...positionals] = parsed.positionals;
  const opts = Object.fromEntries((Object.keys(OPTIONS) as OptionName[]).map((n) => [n, values[n] ?? (OPTIONS[n].type === 'boolean' ? false : undefined)])) as unknown as ParsedOptions;
  if (word === 'help') opts.help = true;
  if (word !== undefined && word !== 'help' && !cmd) throw usage(`Unknown command "${word}".`);
  if (cmd) {
    const max = cmd === 'destroy' ? 1 : COMMANDS[cmd].args.length;
    const extra = positionals.slice(max);
    if (extra.length) throw usage(`Unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}. Quote the prompt.`);
  }
  return { cmd, positionals, opts };
}

/** One option as the synopsis shows it. */
function synopsis(n: OptionName, first: boolean): string {
  const o = OPTIONS[n];
  if (o.type === 'boolean') return `[--${n}]`;
  if (o.choices) return `[--${n} ${first ? o.choices.join('|') : '…'}]`;
  return n === 'out' ? `--out ${o.value}` : `[--${n} ${o.value}]`;
}

/** The usage text's synopses, generated from the declarations (wrapped at 118 columns). */
export function synopses(): string {
  const lines: string[] = [];
  const shown = new Set<OptionName>();
  for (const [name, decl] of Object.entries(COMMANDS) as [CommandName, CommandDecl][]) {
    const quiet = new Set(decl.quiet ?? []);
    const head = `  spawn-app ${name}${decl.args.length ? ' ' + decl.args.join(' ') : ''}`;
    const parts = decl.options.filter((n) => !quiet.has(n)).map((n) => {
      const s = synopsis(n, !shown.has(n));
      shown.add(n);
      return s;
    });
    let line = head;
    const indent = ' '.repeat(Math.min(head.length + 1, 28));
    for (const p of parts) {
      if ((line + ' ' + p).length > 118) {
        lines.push(line);
        line = indent + p;
      } else line += ' ' + p;
    }
    if (decl.summary && line.length + 3 + decl.summary.length <= 118) lines.push(`${line.padEnd(Math.max(line.length + 3, 44))}${decl.summary}`);
    else {
      lines.push(line);
      if (decl.summary) lines.push(`${' '.repeat(44)}${decl.summary}`);
    }
  }
  return lines.join('\n');
}
