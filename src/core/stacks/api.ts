/** The `api` stack: a REST API in Node with Express (server.js) that answers GET / with a small HTML index. */
import type { AppSpecOf } from '../base/appSpec';
import type { Stack } from './types';

const API_SERVER = `// A small REST API with Express: notes kept in a JSON file in $DATA_DIR (it survives redeploys and restarts),
// plus an HTML index at /.
const express = require('express');
const fs = require('fs');
const path = require('path');

const app = express();
app.use(express.json());
const PORT = Number(process.env.PORT) || 3000;

// $DATA_DIR: the app's data folder, outside its code (Spawn App keeps it across redeploys, restarts and pauses).
const DATA_DIR = process.env.DATA_DIR || path.join(__dirname, '..', 'data');
const FILE = path.join(DATA_DIR, 'notes.json');
const SEED = { nextId: 3, notes: [{ id: 1, text: 'Hello from Spawn App', done: false }, { id: 2, text: 'Try POST /api/notes', done: false }] };

function load() {
  try {
    return JSON.parse(fs.readFileSync(FILE, 'utf8'));
  } catch {
    return structuredClone(SEED);
  }
}

function save(db) {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const tmp = FILE + '.' + process.pid + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify(db, null, 2));
  fs.renameSync(tmp, FILE); // all or nothing: a crash never leaves half a file
}

app.get('/', (_req, res) => {
  res.type('html').send(\`<!doctype html><html><head><meta charset="utf-8"><title>Notes API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px}code{background:rgba(127,127,127,.15);padding:2px 6px;border-radius:4px}</style></head>
<body><h1>Notes API</h1><p>Endpoints:</p><ul>
<li><code>GET /api/health</code> — status</li>
<li><code>GET /api/notes</code> — list notes</li>
<li><code>GET /api/notes/:id</code> — one note</li>
<li><code>POST /api/notes</code> — create <code>{"text": "..."}</code></li>
<li><code>PATCH /api/notes/:id</code> — update <code>{"text"?, "done"?}</code></li>
<li><code>DELETE /api/notes/:id</code> — delete</li></ul></body></html>\`);
});

app.get('/api/health', (_req, res) => res.json({ status: 'ok', uptime: process.uptime() }));
app.get('/api/notes', (_req, res) => res.json(load().notes));
app.get('/api/notes/:id', (req, res) => {
  const note = load().notes.find((n) => n.id === Number(req.params.id));
  return note ? res.json(note) : res.status(404).json({ error: 'Not found' });
});
app.post('/api/notes', (req, res) => {
  const text = typeof req.body?.text === 'string' ? req.body.text.trim() : '';
  if (!text) return res.status(400).json({ error: 'text is required' });
  const db = load();
  const note = { id: db.nextId++, text, done: false };
  db.notes.push(note);
  save(db);
  return res.status(201).json(note);
});
app.patch('/api/notes/:id', (req, res) => {
  const db = load();
  const note = db.notes.find((n) => n.id === Number(req.params.id));
  if (!note) return res.status(404).json({ error: 'Not found' });
  if (typeof req.body?.text === 'string') note.text = req.body.text;
  if (typeof req.body?.done === 'boolean') note.done = req.body.done;
  save(db);
  return res.json(note);
});
app.delete('/api/notes/:id', (req, res) => {
  const db = load();
  const i = db.notes.findIndex((n) => n.id === Number(req.params.id));
  if (i < 0) return res.status(404).json({ error: 'Not found' });
  db.notes.splice(i, 1);
  save(db);
  return res.status(204).end();
});

app.listen(PORT, process.env.HOST || '127.0.0.1', () => console.log('API listening on port ' + PORT));
`;

const PLACEHOLDER_API = `const express = require('express');
const app = express();
app.get('/', (_req, res) => res.send('Spawn App: waiting for the app…'));
app.listen(Number(process.env.PORT) || 3000, process.env.HOST || '0.0.0.0');
`;

/** Express, at the version Spawn App's E2B templates install. */
export const API_PACKAGES: Readonly<Record<string, string>> = { express: '4.21.2' };

export const api: Stack<'api'> = {
  id: 'api',
  label: 'API',
  icon: 'server',
  description: 'Node + Express REST API with a small HTML index',
  example: 'a notes API with create, list and delete',
  prompt:
    'A REST API in Node with Express (server.js) that also answers GET / with a small HTML page listing its ' +
    'endpoints. startCommand "node server.js", dependencies ["express"]. Keep data that must last (records, uploads) ' +
    'in files under process.env.DATA_DIR (a folder outside the code that survives redeploys and restarts), e.g. a ' +
    'JSON file written whole (write a temp file, then rename); no database server and no native module (no ' +
    'sqlite3 or better-sqlite3). Declare 2-5 checks: requests that must ' +
    'answer as stated once it starts (e.g. {"method": "GET", "path": "/api/items", "status": 200}); a check must not ' +
    'change data others rely on.',
  guess: { keywords: /\b(api|rest|endpoints?|backend|express|crud|json service)\b/, rank: 3 },
  ecosystem: 'npm',
  mainFiles: ['server.js', 'index.js', 'app.js'],
  template(): AppSpecOf<'api'> {
    return {
      appType: 'api',
      files: [{ path: 'server.js', content: API_SERVER }],
      startCommand: 'node server.js',
      dependencies: ['express@^4.21.2'],
      port: 3000,
      title: 'Notes API',
      description: 'An Express REST API for notes kept in $DATA_DIR (built-in template).',
      checks: [
        { method: 'GET', path: '/api/health', status: 200 },
        { method: 'GET', path: '/api/notes', status: 200 },
        { method: 'GET', path: '/api/notes/999999', status: 404 },
        { method: 'POST', path: '/api/notes', status: 400, body: '{}' },
      ],
    };
  },
  packages: API_PACKAGES,
  hotReload: false,
  e2b: {
    alias: 'spawn-app-api',
    baseline: { appType: 'api', files: [{ path: 'server.js', content: PLACEHOLDER_API }], startCommand: 'node server.js', dependencies: [`express@${API_PACKAGES.express}`], port: 3000 },
  },
};
