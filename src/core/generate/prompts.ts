/**
 * The Claude generator's prompts: one short system prompt per app type, in one table.
 * To add an app type: add it to APP_TYPES in spec.ts and one entry here (the compiler insists).
 */
import type { AppType } from '../spec';
import { DEFAULT_PORT } from '../spec';

/** What each app type must be; one line each, so the prompt stays small (the seed measured ~317 input tokens). */
export const APP_TYPE_PROMPTS: Readonly<Record<AppType, string>> = {
  webapp:
    'A web app: static HTML, CSS and JavaScript (index.html, style.css, app.js) plus server.js, a dependency-free ' +
    'Node http server that serves those files. startCommand "node server.js", dependencies [].',
  react:
    'A React 19 + Vite + TypeScript app styled with Tailwind CSS v4 utility classes. The scaffold is provided and ' +
    'fixed: do NOT write package.json, vite.config.ts, index.html, src/main.tsx or tsconfig.json. Write ' +
    'src/App.tsx (default export App), components under src/components/, and CSS in src/index.css (keep its first ' +
    'line `@import "tailwindcss";`). startCommand "npm run dev"; dependencies: only extra npm packages beyond react, ' +
    'react-dom and tailwindcss, usually [].',
  api:
    'A REST API in Node with Express (server.js) that also answers GET / with a small HTML page listing its ' +
    'endpoints. startCommand "node server.js", dependencies ["express"].',
  script:
    'A Python 3 script (main.py, standard library preferred) that computes something, writes report.html, then ' +
    'serves that report over HTTP. startCommand "python3 main.py"; dependencies are pip names, usually [].',
};

/** Rules every app shares. */
const COMMON_RULES = [
  `The app must listen on process.env.PORT (Python: os.environ["PORT"]) when set, else ${DEFAULT_PORT}, and on the host in process.env.HOST (Python: os.environ.get("HOST")) when set, else 127.0.0.1 — never 0.0.0.0 or all interfaces.`,
  'Write complete, working files: no placeholders, no TODOs, no external CDNs or network calls.',
  'Paths are relative (e.g. "index.html", "public/app.js"); never absolute, never "..".',
  'Keep it small: at most a few files, no build step, no secrets.',
];

/** The name of the one tool Claude must call; its input is the app spec. */
export const TOOL_NAME = 'write_app';

export function systemPrompt(appType: AppType): string {
  return [
    `You write small, complete, runnable apps. Answer only by calling the ${TOOL_NAME} tool once with the whole app.`,
    APP_TYPE_PROMPTS[appType],
    ...COMMON_RULES,
  ].join('\n');
}

export function userPrompt(prompt: string, appType: AppType): string {
  return `Build this ${appType}: ${prompt.trim()}`;
}
