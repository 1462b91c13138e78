/**
 * Stacks whose scaffold is ours: the `react` app type (React + Vite + TypeScript, Tailwind CSS through
 * `@tailwindcss/vite`). The scaffold (package.json with exact versions, vite.config.ts, index.html, src/main.tsx)
 * is fixed; a model writes src/App.tsx, components and CSS. The same scaffold is baked into the E2B template
 * (e2b-template/), whose dev server is already running when a sandbox starts.
 */
import type { AppFile, AppSpecOf } from '../base/appSpec';
import { normaliseAppPath } from '../base/appPath';
import { npmSpec } from './packageSpec';
import type { Stack } from './types';

/** Exact versions that install on Node ≥ 20.19 from the npm registry (Vite 7: Vite 8 needs npm 11). */
export const REACT_PACKAGES = {
  dependencies: { react: '19.3.1', 'react-dom': '19.3.1' },
  devDependencies: {
    '@tailwindcss/vite': '4.3.5',
    '@types/react': '19.3.3',
    '@types/react-dom': '19.3.0',
    '@vitejs/plugin-react': '5.2.0',
    tailwindcss: '4.3.5',
    vite: '7.3.8',
  },
} as const;

export const REACT_START_COMMAND = 'npm run dev';

/**
 * Vite served through a sandbox URL:
 * - host and port from $HOST / $PORT (the local runner maps PORT to a free loopback port);
 * - E2B's edge sends `Host: 3000-<id>.e2b.app`, which Vite refuses unless allowed ("Blocked request");
 * - behind E2B's https edge the HMR websocket goes to wss on 443 (SPAWN_APP_PUBLIC_PROTOCOL=https, set by deploys
 *   to E2B and by Spawn App's E2B template); locally it uses the page's own loopback URL;
 * - SPAWN_APP_BASE serves the app under a path prefix (a path proxy such as code-server's /absproxy/PORT/).
 */
export const VITE_CONFIG = `import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// Set by Spawn App: HOST/PORT where to listen; SPAWN_APP_PUBLIC_HOST/PROTOCOL how the browser reaches it.
const env = process.env;
const publicHost = env.SPAWN_APP_PUBLIC_HOST;
const behindHttps = env.SPAWN_APP_PUBLIC_PROTOCOL === 'https';

export default defineConfig({
  base: env.SPAWN_APP_BASE || '/',
  plugins: [react(), tailwindcss()],
  server: {
    host: env.HOST || '127.0.0.1',
    port: Number(env.PORT) || 3000,
    strictPort: true,
    allowedHosts: ['.e2b.app', '.e2b.dev', ...(publicHost ? [publicHost.replace(/:\\d+$/, '')] : [])],
    hmr: behindHttps ? { protocol: 'wss', clientPort: 443 } : true,
  },
});
`;

function indexHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>${title.replace(/[<>&"]/g, '')}</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`;
}

const MAIN_TSX = `import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import './index.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
`;

/** The default stylesheet: Tailwind, plus a calm page. A model may replace it. */
export const INDEX_CSS = `@import "tailwindcss";

:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; }
`;

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022", "DOM", "DOM.Iterable"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "jsx": "react-jsx",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": ["vite/client"]
  },
  "include": ["src", "vite.config.ts"]
}
`;

/** The placeholder App the E2B template serves before an app's files arrive. */
export const PLACEHOLDER_APP = `export default function App() {
  return <main className="p-8 text-center">Spawn App: waiting for the app…</main>;
}
`;

/** The scaffold's package.json, with the app's extra dependencies (`name` or `name@version`) added. */
export function reactPackageJson(extra: readonly string[] = [], name = 'spawn-react-app'): string {
  const deps: Record<string, string> = { ...REACT_PACKAGES.dependencies };
  for (const d of extra) {
    const { name: n, range } = npmSpec(d);
    if (n in REACT_PACKAGES.devDependencies) continue;
    if (!(n in deps)) deps[n] = range ?? 'latest';
  }
  const pkg = {
    name,
    private: true,
    version: '0.0.0',
    type: 'module',
    scripts: { dev: 'vite', build: 'vite build', preview: 'vite preview' },
    dependencies: deps,
    devDependencies: { ...REACT_PACKAGES.devDependencies },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

/** The fixed files of a react app: package.json, vite.config.ts, index.html, src/main.tsx, tsconfig.json. */
export function reactScaffold(title = 'Spawn App', extra: readonly string[] = []): AppFile[] {
  return [
    { path: 'package.json', content: reactPackageJson(extra) },
    { path: 'vite.config.ts', content: VITE_CONFIG },
    { path: 'index.html', content: indexHtml(title) },
    { path: 'src/main.tsx', content: MAIN_TSX },
    { path: 'tsconfig.json', content: TSCONFIG },
  ];
}

/** Files the scaffold supplies only when the app has none (the model usually writes them). */
function reactDefaults(): AppFile[] {
  return [
    { path: 'src/index.css', content: INDEX_CSS },
    { path: 'src/App.tsx', content: PLACEHOLDER_APP },
  ];
}

/**
 * A model's react app merged with our scaffold: the scaffold's fixed files replace the model's versions of them
 * (the model is told not to write them), the model's other files are kept, src/index.css and src/App.tsx are
 * supplied when missing, and the start command and port are the scaffold's. Extra dependencies stay in
 * `dependencies` and are also written into package.json.
 */
export function withReactScaffold<S extends AppSpecOf<string>>(spec: S): S {
  if (spec.appType !== 'react') return spec;
  const extra = spec.dependencies.filter((d) => {
    const n = npmSpec(d).name;
    return !(n in REACT_PACKAGES.dependencies) && !(n in REACT_PACKAGES.devDependencies);
  });
  const scaffold = reactScaffold(spec.title ?? 'Spawn App', extra);
  const fixed = new Set(scaffold.map((f) => f.path));
  const own = spec.files.filter((f) => !fixed.has(normaliseAppPath(f.path)));
  const have = new Set(own.map((f) => normaliseAppPath(f.path)));
  const defaults = reactDefaults().filter((f) => !have.has(f.path));
  return { ...spec, files: [...scaffold, ...defaults, ...own], startCommand: REACT_START_COMMAND, port: 3000, dependencies: extra };
}

/** The files a react app's Vite server loads itself (a change restarts it); everything else reaches it by HMR. */
export function isReactServerFile(p: string): boolean {
  return p === 'package.json' || p === 'package-lock.json' || /^vite\.config\.(?:[cm]?[jt]s)$/.test(p) || p === '.env' || p.startsWith('.env.');
}

// ---- the built-in react apps (templates generator, no key needed) ----------------------------------------------

const COUNTER_APP = `import { useState } from 'react';

export default function App() {
  const [count, setCount] = useState(0);
  return (
    <main className="min-h-screen grid place-items-center bg-slate-50 dark:bg-slate-900 text-slate-900 dark:text-slate-100">
      <section className="rounded-2xl bg-white dark:bg-slate-800 shadow-lg p-8 min-w-72 text-center">
        <h1 className="text-xl font-semibold mb-4">Counter</h1>
        <p id="value" className="text-6xl font-bold tabular-nums my-6" aria-live="polite">{count}</p>
        <div className="flex gap-3 justify-center">
          <button className="px-4 py-2 rounded-lg bg-slate-200 dark:bg-slate-700" onClick={() => setCount((c) => c - 1)}>−</button>
          <button className="px-4 py-2 rounded-lg bg-slate-200 dark:bg-slate-700" onClick={() => setCount(0)}>Reset</button>
          <button className="px-4 py-2 rounded-lg bg-indigo-600 text-white" onClick={() => setCount((c) => c + 1)}>+</button>
        </div>
      </section>
    </main>
  );
}
`;

const TODO_APP = `import { useState } from 'react';
import type { FormEvent } from 'react';

interface Todo {
  id: number;
  text: string;
  done: boolean;
}

export default function App() {
  const [todos, setTodos] = useState<Todo[]>([]);
  const [text, setText] = useState('');

  function add(e: FormEvent) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    setTodos((all) => [...all, { id: Date.now(), text: t, done: false }]);
    setText('');
  }

  const left = todos.filter((t) => !t.done).length;
  return (
    <main className="min-h-screen grid place-items-center bg-slate-50 dark:bg-slate-900 text-slate-900 dark:text-slate-100">
      <section className="rounded-2xl bg-white dark:bg-slate-800 shadow-lg p-8 w-96">
        <h1 className="text-xl font-semibold mb-4">Todo list</h1>
        <form onSubmit={add} className="flex gap-2">
          <input className="flex-1 rounded-lg border border-slate-300 dark:border-slate-600 bg-transparent px-3 py-2" value={text} onChange={(e) => setText(e.target.value)} placeholder="What needs doing?" />
          <button className="px-4 py-2 rounded-lg bg-indigo-600 text-white">Add</button>
        </form>
        <ul className="mt-4 space-y-2">
          {todos.map((t) => (
            <li key={t.id} className="flex items-center gap-2">
              <input type="checkbox" checked={t.done} onChange={() => setTodos((all) => all.map((x) => (x.id === t.id ? { ...x, done: !x.done } : x)))} />
              <span className={t.done ? 'line-through opacity-60' : ''}>{t.text}</span>
              <button className="ml-auto text-sm opacity-70" onClick={() => setTodos((all) => all.filter((x) => x.id !== t.id))}>Delete</button>
            </li>
          ))}
        </ul>
        <p className="mt-4 text-sm opacity-70">{left} item{left === 1 ? '' : 's'} left</p>
      </section>
    </main>
  );
}
`;

/** The built-in react app for a prompt: a todo list when it asks for one, else a counter. */
export function reactTemplateSpec(prompt: string): AppSpecOf<'react'> {
  const todo = /\b(todo|to-do|task|tasks|checklist|list)\b/i.test(prompt);
  const title = todo ? 'Todo list' : 'Counter';
  return withReactScaffold({
    appType: 'react',
    files: [
      { path: 'src/App.tsx', content: todo ? TODO_APP : COUNTER_APP },
      { path: 'src/index.css', content: INDEX_CSS },
    ],
    startCommand: REACT_START_COMMAND,
    dependencies: [],
    port: 3000,
    title,
    description: `A ${title.toLowerCase()} in React (built-in template).`,
  });
}

export const react: Stack<'react'> = {
  id: 'react',
  label: 'React app',
  icon: 'symbol-class',
  description: 'React + Vite + TypeScript with Tailwind CSS, hot reload on save',
  example: 'a counter with a reset button',
  prompt:
    'A React 19 + Vite + TypeScript app styled with Tailwind CSS v4 utility classes. The scaffold is provided and ' +
    'fixed: do NOT write package.json, vite.config.ts, index.html, src/main.tsx or tsconfig.json. Write ' +
    'src/App.tsx (default export App), components under src/components/, and CSS in src/index.css (keep its first ' +
    'line `@import "tailwindcss";`). startCommand "npm run dev"; dependencies: only extra npm packages beyond react, ' +
    'react-dom and tailwindcss, usually [].',
  guess: { keywords: /\b(react|reactjs|vite|tsx)\b/, rank: 1 },
  ecosystem: 'npm',
  mainFiles: ['src/App.tsx', 'src/App.jsx'],
  template: reactTemplateSpec,
  scaffold: withReactScaffold,
  installsFromPackageJson: true,
  packages: { ...REACT_PACKAGES.dependencies, ...REACT_PACKAGES.devDependencies },
  requiredFiles: ['vite.config.ts', 'index.html', 'src/main.tsx'],
  hotReload: true,
  // Vite serves everything else itself and pushes changes over HMR; only its config and manifest restart it.
  serverFile: isReactServerFile,
  // Vite bundles src/ for the browser.
  clientFile: (p) => p.startsWith('src/'),
  e2b: {
    alias: 'spawn-app-react',
    baseline: withReactScaffold({ appType: 'react', files: [], startCommand: REACT_START_COMMAND, dependencies: [], port: 3000, title: 'Spawn App' }),
  },
};
