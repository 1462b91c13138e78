/** The app spec: the structured form of a generated app, shared by generators, validation and deploy. */

export const APP_TYPES = ['webapp', 'react', 'api', 'script'] as const;
export type AppType = (typeof APP_TYPES)[number];

export const APP_TYPE_DESCRIPTIONS: Record<AppType, string> = {
  webapp: 'HTML, CSS and JavaScript served on port 3000',
  react: 'React + Vite + TypeScript with Tailwind CSS, hot reload on save',
  api: 'Node + Express REST API with a small HTML index',
  script: 'Python that writes an HTML report and serves it',
};

export const DEFAULT_PORT = 3000;
/** The seed's absolute app root: `/app/x` is accepted and normalised to `x`. */
export const SEED_APP_ROOT = '/app';

export interface AppFile {
  path: string;
  content: string;
}

export interface AppSpec {
  appType: AppType;
  files: AppFile[];
  startCommand: string;
  dependencies: string[];
  port: number;
  title?: string;
  description?: string;
}

export function isAppType(value: unknown): value is AppType {
  return typeof value === 'string' && (APP_TYPES as readonly string[]).includes(value);
}

/**
 * Turns loosely shaped input (a manifest, a model's tool call, the seed's format) into an AppSpec.
 * Shape problems throw with a clear sentence; path and content problems are left to validation,
 * which reports every one of them instead of stopping at the first.
 */
export function parseSpec(raw: unknown): AppSpec {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('The app spec must be a JSON object.');
  const r = raw as Record<string, unknown>;
  if (!isAppType(r.appType)) throw new TypeError(`appType must be one of ${APP_TYPES.join(', ')}.`);
  if (!Array.isArray(r.files)) throw new TypeError('files must be an array of {path, content}.');
  const files = r.files.map((f, i) => {
    if (!f || typeof f !== 'object') throw new TypeError(`files[${i}] must be an object with path and content.`);
    const { path, content } = f as Record<string, unknown>;
    if (typeof path !== 'string') throw new TypeError(`files[${i}].path must be a string.`);
    if (typeof content !== 'string') throw new TypeError(`files[${i}].content must be a string.`);
    return { path, content };
  });
  if (typeof r.startCommand !== 'string' || !r.startCommand.trim()) throw new TypeError('startCommand must be a non-empty string.');
  const port = r.port === undefined ? DEFAULT_PORT : r.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError('port must be an integer between 1 and 65535.');
  const spec: AppSpec = {
    appType: r.appType,
    files,
    startCommand: r.startCommand,
    dependencies: parseDependencies(r.dependencies),
    port,
  };
  if (typeof r.title === 'string' && r.title.trim()) spec.title = r.title.trim();
  if (typeof r.description === 'string' && r.description.trim()) spec.description = r.description.trim();
  return spec;
}

function parseDependencies(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) {
    return raw.map((d, i) => {
      if (typeof d !== 'string') throw new TypeError(`dependencies[${i}] must be a string.`);
      return d.trim();
    });
  }
  if (typeof raw === 'object') {
    // package.json style {name: version}
    return Object.entries(raw as Record<string, unknown>).map(([name, version]) =>
      typeof version === 'string' && version.trim() && version.trim() !== '*' ? `${name}@${version.trim()}` : name,
    );
  }
  throw new TypeError('dependencies must be an array of package names.');
}

/** Strips the seed's `/app/` prefix and leading `./`; does not validate (see validate.ts). */
export function normaliseAppPath(path: string): string {
  let p = path;
  if (p === SEED_APP_ROOT) return '';
  if (p.startsWith(SEED_APP_ROOT + '/')) p = p.slice(SEED_APP_ROOT.length + 1);
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/** A short, filesystem-friendly name for an app, from its title or prompt. */
export function appNameFrom(text: string, fallback = 'app'): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .filter(Boolean)
    .slice(0, 5)
    .join('-')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || fallback;
}

/** The longest prompt (or refine request) every front accepts: the CLI, the extension, the MCP server, the chat tools. */
export const MAX_PROMPT_LENGTH = 4000;

/** The one sentence when a prompt (or a refine request) is too long to send; undefined when it fits. */
export function promptTooLong(text: string, what = 'prompt'): string | undefined {
  return text.length > MAX_PROMPT_LENGTH ? `The ${what} is longer than ${MAX_PROMPT_LENGTH} characters (it has ${text.length}).` : undefined;
}

/** The paths a user most wants to see first, best first, per app type. */
export function mainFileCandidates(appType: AppType): readonly string[] {
  switch (appType) {
    case 'webapp':
      return ['index.html', 'public/index.html'];
    case 'react':
      return ['src/App.tsx', 'src/App.jsx'];
    case 'api':
      return ['server.js', 'index.js', 'app.js'];
    case 'script':
      return ['main.py', 'report.py', 'app.py'];
  }
}

/** The file a user most wants to see first. */
export function mainFileOf(spec: Pick<AppSpec, 'appType' | 'files'>): AppFile | undefined {
  const prefer = mainFileCandidates(spec.appType);
  for (const p of prefer) {
    const f = spec.files.find((x) => normaliseAppPath(x.path) === p);
    if (f) return f;
  }
  return spec.files[0];
}
