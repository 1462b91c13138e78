/**
 * The `python-api` stack: a JSON API in Python with FastAPI + uvicorn (main.py), a small HTML index at `/`, and its
 * data in SQLite through the standard library, in `$DATA_DIR`. The scaffold (requirements.txt with exact versions,
 * the start command) is ours; a save restarts the server (a `.py` file is server code: redeployPlan.ts).
 */
import type { AppSpecOf } from '../base/appSpec';
import { pythonApp, pythonPromptRules, withPythonScaffold } from './python';
import type { Stack } from './types';

/** Exact versions the pip index configured here serves (checked with `pip download … --no-deps`). */
export const PYTHON_API_PACKAGES: Readonly<Record<string, string>> = { fastapi: '0.142.2', uvicorn: '0.54.0' };

/** Extras a python-api app may declare (any other is refused by the validator). */
const ALLOWED_EXTRAS = ['httpx', 'python-multipart', 'jinja2', 'aiofiles', 'python-dateutil', 'pyyaml', 'markdown', 'email-validator', 'orjson', 'tzdata'];

/** Listens where the runner says ($HOST, $PORT); no --reload: Spawn App restarts the server on a save. */
export const PYTHON_API_START = 'python3 -m uvicorn main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-3000}" --no-server-header';

const NOTES_API = `"""A notes API: FastAPI + SQLite (standard library), its data in $DATA_DIR."""
import os
import sqlite3
from contextlib import closing

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

DATA_DIR = os.environ.get("DATA_DIR", ".data")
os.makedirs(DATA_DIR, exist_ok=True)
DB_PATH = os.path.join(DATA_DIR, "notes.db")


def connect():
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


with closing(connect()) as conn, conn:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL,"
        " done INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )

app = FastAPI(title="Notes API")


class NoteIn(BaseModel):
    text: str


class NotePatch(BaseModel):
    text: str | None = None
    done: bool | None = None


def as_json(row):
    return {"id": row["id"], "text": row["text"], "done": bool(row["done"]), "created": row["created"]}


def find(conn, note_id):
    row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Not found")
    return row


INDEX = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px}
code{background:rgba(127,127,127,.15);padding:2px 6px;border-radius:4px}</style></head>
<body><h1>Notes API</h1><p>FastAPI + SQLite. Endpoints (interactive docs at <a href="/docs">/docs</a>):</p><ul>
<li><code>GET /api/health</code> — status</li>
<li><code>GET /api/notes</code> — list notes</li>
<li><code>GET /api/notes/{id}</code> — one note</li>
<li><code>POST /api/notes</code> — create <code>{"text": "..."}</code></li>
<li><code>PATCH /api/notes/{id}</code> — update <code>{"text"?, "done"?}</code></li>
<li><code>DELETE /api/notes/{id}</code> — delete</li></ul></body></html>"""


@app.get("/", response_class=HTMLResponse)
def index():
    return INDEX


@app.get("/api/health")
def health():
    return {"status": "ok"}


@app.get("/api/notes")
def list_notes():
    with closing(connect()) as conn:
        return [as_json(r) for r in conn.execute("SELECT * FROM notes ORDER BY id")]


@app.get("/api/notes/{note_id}")
def get_note(note_id: int):
    with closing(connect()) as conn:
        return as_json(find(conn, note_id))


@app.post("/api/notes", status_code=201)
def create_note(note: NoteIn):
    text = note.text.strip()
    if not text:
        raise HTTPException(status_code=400, detail="text is required")
    with closing(connect()) as conn, conn:
        cur = conn.execute("INSERT INTO notes (text) VALUES (?)", (text,))
        return as_json(find(conn, cur.lastrowid))


@app.patch("/api/notes/{note_id}")
def update_note(note_id: int, patch: NotePatch):
    with closing(connect()) as conn, conn:
        find(conn, note_id)
        if patch.text is not None:
            conn.execute("UPDATE notes SET text = ? WHERE id = ?", (patch.text, note_id))
        if patch.done is not None:
            conn.execute("UPDATE notes SET done = ? WHERE id = ?", (int(patch.done), note_id))
        return as_json(find(conn, note_id))


@app.delete("/api/notes/{note_id}", status_code=204)
def delete_note(note_id: int):
    with closing(connect()) as conn, conn:
        find(conn, note_id)
        conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
`;

const PLACEHOLDER = `from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
def index():
    return "Spawn App: waiting for the app…"
`;

const scaffold = { packages: PYTHON_API_PACKAGES, files: [], startCommand: PYTHON_API_START, port: 3000 };

export const pythonApi: Stack<'python-api'> = {
  id: 'python-api',
  label: 'Python API',
  icon: 'server-process',
  description: 'FastAPI + uvicorn JSON API with SQLite data, restarted on save',
  example: 'a notes API in Python with FastAPI',
  prompt:
    'A JSON API in Python 3.11 with FastAPI (main.py defining `app`), served by uvicorn, that also answers GET / ' +
    'with a small HTML page listing its endpoints. Store data in SQLite with the standard library sqlite3 module ' +
    '(no ORM). ' + pythonPromptRules([], ALLOWED_EXTRAS) + ' Declare 2-5 checks: requests that must answer as ' +
    'stated once it starts (e.g. {"method": "GET", "path": "/api/items", "status": 200}); a check must not change ' +
    'data others rely on.',
  guess: { keywords: /\b(fastapi|flask|uvicorn|python (?:rest )?api|api in python|python backend)\b/, rank: 0 },
  ecosystem: 'pip',
  mainFiles: ['main.py'],
  template(): AppSpecOf<'python-api'> {
    return pythonApp('python-api', scaffold, {
      files: [{ path: 'main.py', content: NOTES_API }],
      title: 'Notes API',
      description: 'A FastAPI notes API on SQLite (built-in template).',
      // FastAPI answers a body that does not match the model with 422.
      checks: [...['/api/health', '/api/notes'].map((path) => ({ method: 'GET', path, status: 200 })), { method: 'GET', path: '/api/notes/999999', status: 404 }, { method: 'POST', path: '/api/notes', status: 422, body: '{}' }],
    });
  },
  scaffold: (spec) => withPythonScaffold(spec, scaffold),
  packages: PYTHON_API_PACKAGES,
  allowedExtras: ALLOWED_EXTRAS,
  requiredFiles: ['main.py'],
  hotReload: false,
  e2b: {
    alias: 'spawn-app-python-api',
    baseline: pythonApp('python-api', scaffold, { files: [{ path: 'main.py', content: PLACEHOLDER }], title: 'Spawn App' }),
  },
};
