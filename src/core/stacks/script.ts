/** The `script` stack: a Python 3 script that computes something, writes report.html and serves it. */
import type { AppSpecOf } from '../base/appSpec';
import type { Stack } from './types';

const SCRIPT_MAIN = `"""Writes an HTML report (report.html) from a small data set, then serves it on $PORT (default 3000)."""
import html
import http.server
import os
import random
import statistics
from datetime import date, timedelta

PORT = int(os.environ.get("PORT", "3000"))
HERE = os.path.dirname(os.path.abspath(__file__))


def build_data(days=14, seed=42):
    rng = random.Random(seed)
    start = date.today() - timedelta(days=days - 1)
    return [(start + timedelta(days=i), rng.randint(40, 160)) for i in range(days)]


def render(title, rows):
    values = [v for _, v in rows]
    peak = max(values)
    bars = "".join(
        f'<div class="bar"><span>{d:%b %d}</span><div style="width:{v / peak * 100:.0f}%">{v}</div></div>'
        for d, v in rows
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px}}
.stats{{display:flex;gap:16px}}.stats div{{background:rgba(127,127,127,.12);padding:12px 16px;border-radius:10px}}
.bar{{display:flex;align-items:center;gap:8px;margin:4px 0}}.bar span{{width:64px;opacity:.7}}
.bar div{{background:#6d5dfc;color:#fff;padding:2px 8px;border-radius:6px;min-width:2em}}</style></head>
<body><h1>{html.escape(title)}</h1>
<div class="stats"><div>Total<br><b>{sum(values)}</b></div><div>Mean<br><b>{statistics.mean(values):.1f}</b></div>
<div>Median<br><b>{statistics.median(values)}</b></div><div>Peak<br><b>{peak}</b></div></div>
<h2>Daily visits</h2>{bars}</body></html>"""


def main():
    rows = build_data()
    with open(os.path.join(HERE, "report.html"), "w", encoding="utf-8") as f:
        f.write(render("Visits report", rows))
    print("Wrote report.html")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=HERE, **kwargs)

        def do_GET(self):
            if self.path in ("/", "/index.html"):
                self.path = "/report.html"
            return super().do_GET()

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    with http.server.ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), PORT), Handler) as server:
        print(f"Serving report on port {PORT}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
`;

export const script: Stack<'script'> = {
  id: 'script',
  label: 'Script',
  icon: 'terminal',
  description: 'Python that writes an HTML report and serves it',
  example: 'a Python report of website visits per day',
  prompt:
    'A Python 3 script (main.py, standard library preferred) that computes something, writes report.html, then ' +
    'serves that report over HTTP. startCommand "python3 main.py"; dependencies are pip names, usually [].',
  guess: { keywords: /\b(python|script|report|analy[sz]e|analysis|csv|chart of)\b/, rank: 2 },
  ecosystem: 'pip',
  mainFiles: ['main.py', 'report.py', 'app.py'],
  template(): AppSpecOf<'script'> {
    return {
      appType: 'script',
      files: [{ path: 'main.py', content: SCRIPT_MAIN }],
      startCommand: 'python3 main.py',
      dependencies: [],
      port: 3000,
      title: 'Visits report',
      description: 'A Python script that writes report.html and serves it (built-in template).',
    };
  },
  hotReload: false,
};
