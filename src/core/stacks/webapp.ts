/**
 * The `webapp` stack: static HTML, CSS and JavaScript served by a dependency-free Node server (server.js). Its
 * built-in apps are a calculator, a todo list and a counter.
 */
import type { AppFile, AppSpecOf } from '../base/appSpec';
import type { Stack } from './types';

/** A dependency-free static file server for webapps; listens on $HOST:$PORT (default 127.0.0.1:3000). */
export const STATIC_SERVER = `const http = require('http');
const fs = require('fs');
const path = require('path');

const PORT = Number(process.env.PORT) || 3000;
const HOST = process.env.HOST || '127.0.0.1';
const ROOT = __dirname;
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let file = path.normalize(path.join(ROOT, decodeURIComponent(url.pathname)));
  if (!file.startsWith(ROOT)) { res.writeHead(403); return res.end('Forbidden'); }
  if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('Not found'); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(data);
  });
}).listen(PORT, HOST, () => console.log('Listening on port ' + PORT));
`;

const BASE_CSS = `:root { color-scheme: light dark; --accent: #6d5dfc; --bg: #f6f7fb; --card: #fff; --text: #1d1d28; }
@media (prefers-color-scheme: dark) { :root { --bg: #16161e; --card: #22222e; --text: #ececf4; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; font: 16px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
main { background: var(--card); padding: 24px; border-radius: 16px; box-shadow: 0 8px 30px rgba(0,0,0,.12); min-width: 300px; }
h1 { margin: 0 0 16px; font-size: 20px; }
button { font: inherit; border: 0; border-radius: 10px; padding: 12px; cursor: pointer; background: rgba(127,127,127,.15); color: inherit; }
button:hover { filter: brightness(1.1); }
button.accent { background: var(--accent); color: #fff; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="style.css">
</head>
<body>
${body}
  <script src="app.js"></script>
</body>
</html>
`;
}

const CALCULATOR: AppFile[] = [
  {
    path: 'index.html',
    content: page(
      'Calculator',
      `  <main>
    <h1>Calculator</h1>
    <output id="display" aria-live="polite">0</output>
    <div class="keys">
      <button data-key="C">C</button><button data-key="(">(</button><button data-key=")">)</button><button data-key="/" class="op">÷</button>
      <button data-key="7">7</button><button data-key="8">8</button><button data-key="9">9</button><button data-key="*" class="op">×</button>
      <button data-key="4">4</button><button data-key="5">5</button><button data-key="6">6</button><button data-key="-" class="op">−</button>
      <button data-key="1">1</button><button data-key="2">2</button><button data-key="3">3</button><button data-key="+" class="op">+</button>
      <button data-key="0" class="wide">0</button><button data-key=".">.</button><button data-key="=" class="accent" id="equals">=</button>
    </div>
  </main>`,
    ),
  },
  {
    path: 'style.css',
    content:
      BASE_CSS +
      `#display { display: block; text-align: right; font-size: 32px; padding: 12px; margin-bottom: 12px; border-radius: 10px; background: rgba(127,127,127,.1); min-height: 60px; overflow-x: auto; }
.keys { display: grid; grid-template-columns: repeat(4, 64px); gap: 8px; }
.wide { grid-column: span 2; }
.op { color: var(--accent); font-weight: 600; }
`,
  },
  {
    path: 'app.js',
    content: `// A small calculator with a safe expression parser (no eval).
const display = document.getElementById('display');
let expr = '';

function tokenize(s) {
  const tokens = s.match(/\\d+(?:\\.\\d+)?|[-+*/()]/g) || [];
  if (tokens.join('') !== s.replace(/\\s+/g, '')) throw new Error('Invalid input');
  return tokens;
}

// Recursive descent: expr = term (('+'|'-') term)*; term = factor (('*'|'/') factor)*; factor = number | '-' factor | '(' expr ')'
function evaluate(s) {
  const t = tokenize(s);
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  function factor() {
    const tok = next();
    if (tok === '-') return -factor();
    if (tok === '(') { const v = expr(); if (next() !== ')') throw new Error('Missing )'); return v; }
    const n = Number(tok);
    if (tok === undefined || Number.isNaN(n)) throw new Error('Invalid input');
    return n;
  }
  function term() { let v = factor(); while (peek() === '*' || peek() === '/') { const op = next(); const r = factor(); v = op === '*' ? v * r : v / r; } return v; }
  function expr() { let v = term(); while (peek() === '+' || peek() === '-') { const op = next(); const r = term(); v = op === '+' ? v + r : v - r; } return v; }
  const v = expr();
  if (i !== t.length) throw new Error('Invalid input');
  return Math.round(v * 1e10) / 1e10;
}

function press(key) {
  if (key === 'C') expr = '';
  else if (key === '=') {
    try { expr = String(evaluate(expr)); } catch { expr = ''; display.textContent = 'Error'; return; }
  } else expr += key;
  display.textContent = expr || '0';
}

document.querySelector('.keys').addEventListener('click', (e) => {
  const key = e.target.closest('button')?.dataset.key;
  if (key) press(key);
});
document.addEventListener('keydown', (e) => {
  if (/^[0-9+\\-*/().]$/.test(e.key)) press(e.key);
  else if (e.key === 'Enter' || e.key === '=') press('=');
  else if (e.key === 'Escape') press('C');
  else if (e.key === 'Backspace') { expr = expr.slice(0, -1); display.textContent = expr || '0'; }
});
`,
  },
  { path: 'server.js', content: STATIC_SERVER },
];

const TODO: AppFile[] = [
  {
    path: 'index.html',
    content: page(
      'Todo list',
      `  <main>
    <h1>Todo list</h1>
    <form id="add"><input id="text" placeholder="What needs doing?" autocomplete="off" required> <button class="accent">Add</button></form>
    <ul id="list"></ul>
    <p id="count"></p>
  </main>`,
    ),
  },
  {
    path: 'style.css',
    content:
      BASE_CSS +
      `form { display: flex; gap: 8px; }
input { flex: 1; font: inherit; padding: 10px; border-radius: 10px; border: 1px solid rgba(127,127,127,.4); background: transparent; color: inherit; }
ul { list-style: none; padding: 0; }
li { display: flex; align-items: center; gap: 8px; padding: 6px 0; }
li.done span { text-decoration: line-through; opacity: .6; }
li button { margin-left: auto; padding: 4px 10px; }
`,
  },
  {
    path: 'app.js',
    content: `// Todo list kept in localStorage.
const KEY = 'spawn-app-todos';
let todos = JSON.parse(localStorage.getItem(KEY) || '[]');
const list = document.getElementById('list');

function save() { localStorage.setItem(KEY, JSON.stringify(todos)); render(); }

function render() {
  list.replaceChildren(...todos.map((t, i) => {
    const li = document.createElement('li');
    li.className = t.done ? 'done' : '';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: t.done });
    box.addEventListener('change', () => { todos[i].done = box.checked; save(); });
    const span = Object.assign(document.createElement('span'), { textContent: t.text });
    const del = Object.assign(document.createElement('button'), { textContent: 'Delete' });
    del.addEventListener('click', () => { todos.splice(i, 1); save(); });
    li.append(box, span, del);
    return li;
  }));
  const left = todos.filter((t) => !t.done).length;
  document.getElementById('count').textContent = left + ' item' + (left === 1 ? '' : 's') + ' left';
}

document.getElementById('add').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  const text = input.value.trim();
  if (text) { todos.push({ text, done: false }); input.value = ''; save(); }
});
render();
`,
  },
  { path: 'server.js', content: STATIC_SERVER },
];

const COUNTER: AppFile[] = [
  {
    path: 'index.html',
    content: page(
      'Counter',
      `  <main>
    <h1>Counter</h1>
    <p id="value" style="font-size:48px;text-align:center;margin:8px 0">0</p>
    <div style="display:flex;gap:8px;justify-content:center">
      <button id="dec">−</button><button id="reset">Reset</button><button id="inc" class="accent">+</button>
    </div>
  </main>`,
    ),
  },
  { path: 'style.css', content: BASE_CSS },
  {
    path: 'app.js',
    content: `let n = Number(localStorage.getItem('spawn-app-counter') || 0);
const value = document.getElementById('value');
function set(v) { n = v; localStorage.setItem('spawn-app-counter', String(n)); value.textContent = String(n); }
document.getElementById('inc').addEventListener('click', () => set(n + 1));
document.getElementById('dec').addEventListener('click', () => set(n - 1));
document.getElementById('reset').addEventListener('click', () => set(0));
set(n);
`,
  },
  { path: 'server.js', content: STATIC_SERVER },
];

export type WebappKind = 'calculator' | 'todo' | 'counter';

/** Picks the webapp from the prompt's words; the calculator is the default. */
export function webappKindFor(prompt: string): WebappKind {
  const p = prompt.toLowerCase();
  if (/\b(todo|to-do|task|checklist|list)\b/.test(p)) return 'todo';
  if (/\b(counter|count|click|tally)\b/.test(p)) return 'counter';
  return 'calculator';
}

const PLACEHOLDER_PAGE = '<!doctype html><title>Spawn App</title><p>Spawn App: waiting for the app…</p>\n';

/** The server a webapp's start command names (`node server.js`), else server.js. */
function serverOf(startCommand: string): string {
  return /\bnode\s+(\S+)/.exec(startCommand)?.[1]?.replace(/^\.\//, '') ?? 'server.js';
}

export const webapp: Stack<'webapp'> = {
  id: 'webapp',
  label: 'Web app',
  icon: 'globe',
  description: 'HTML, CSS and JavaScript served on port 3000',
  example: 'a calculator with a history of results',
  prompt:
    'A web app: static HTML, CSS and JavaScript (index.html, style.css, app.js) plus server.js, a dependency-free ' +
    'Node http server that serves those files. startCommand "node server.js", dependencies [].',
  ecosystem: 'npm',
  mainFiles: ['index.html', 'public/index.html'],
  template(prompt: string): AppSpecOf<'webapp'> {
    const kind = webappKindFor(prompt);
    const files = kind === 'todo' ? TODO : kind === 'counter' ? COUNTER : CALCULATOR;
    const title = kind === 'todo' ? 'Todo list' : kind === 'counter' ? 'Counter' : 'Calculator';
    return { appType: 'webapp', files: files.map((f) => ({ ...f })), startCommand: 'node server.js', dependencies: [], port: 3000, title, description: `A ${title.toLowerCase()} (built-in template).` };
  },
  hotReload: false,
  // A webapp's code runs in the browser; only its server (named in the start command) is loaded by the process.
  serverFile: () => false,
  // Its scripts other than the server are sent to the browser.
  clientFile: (p, spec) => /\.[cm]?js$/.test(p) && p !== serverOf(spec.startCommand),
  e2b: {
    alias: 'spawn-app-webapp',
    baseline: { appType: 'webapp', files: [{ path: 'server.js', content: STATIC_SERVER }, { path: 'index.html', content: PLACEHOLDER_PAGE }], startCommand: 'node server.js', dependencies: [], port: 3000 },
  },
};
