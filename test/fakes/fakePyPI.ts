/**
 * A fake Python package index on loopback (PEP 503 "simple" pages and pure-Python wheels), so that a real
 * `pip install` runs without the internet (point pip at it with `PIP_INDEX_URL`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Builds `name-version-py3-none-any.whl` holding `name/__init__.py` and any `extra` files at the wheel's root (a `.pth`
 * file there runs at every start of the interpreter it is installed for), with python3's zipfile, no pip tooling.
 */
function wheel(name: string, version: string, init: string, extra: Record<string, string> = {}): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-pypi-'));
  const file = path.join(dir, `${name}-${version}-py3-none-any.whl`);
  const script = `import sys, zipfile
import json
name, version, init, out, extra = sys.argv[1:]
info = f"{name}-{version}.dist-info"
files = {**json.loads(extra), f"{name}/__init__.py": init, f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n", f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: fake\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
files[f"{info}/RECORD"] = "".join(f"{p},,\\n" for p in files) + f"{info}/RECORD,,\\n"
with zipfile.ZipFile(out, "w") as z:
    for p, c in files.items(): z.writestr(p, c)`;
  try {
    execFileSync('python3', ['-c', script, name, version, init, file, JSON.stringify(extra)]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class FakePyPI {
  private constructor(
    private readonly server: http.Server,
    /** The index URL (`…/simple/`). */
    readonly url: string,
    private readonly requests: string[],
  ) {}

  static async start(packages: { name: string; version: string; init?: string; files?: Record<string, string> }[]): Promise<FakePyPI> {
    const wheels = new Map(packages.map((p) => [`${p.name}-${p.version}-py3-none-any.whl`, wheel(p.name, p.version, p.init ?? `NAME = ${JSON.stringify(p.name)}\n`, p.files)]));
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      requests.push(url);
      const page = /^\/simple\/([^/]+)\/?$/.exec(url);
      const p = page && packages.find((x) => x.name === page[1]);
      if (p) {
        const f = `${p.name}-${p.version}-py3-none-any.whl`;
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!DOCTYPE html><html><body><a href="/files/${f}">${f}</a></body></html>`);
        return;
      }
      const file = /^\/files\/([^/]+)$/.exec(url);
      const w = file && wheels.get(file[1]!);
      if (w) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(w);
        return;
      }
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return new FakePyPI(server, `http://127.0.0.1:${port}/simple/`, requests);
  }

  seen(): string[] {
    return [...this.requests];
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
