/**
 * A fake npm registry on loopback: packuments and tarballs for a few made-up packages, so that a real
 * `npm install` runs without the internet (point npm at it with `npm_config_registry`).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakePackage {
  name: string;
  version: string;
  /** Files of the package (package.json is made from name, version and scripts). */
  files?: Record<string, string>;
  scripts?: Record<string, string>;
}

export class FakeNpmRegistry {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly requests: string[],
  ) {}

  static async start(packages: FakePackage[]): Promise<FakeNpmRegistry> {
    const work = mkdtempSync(path.join(os.tmpdir(), 'fake-npm-registry-'));
    const tarballs = new Map<string, Buffer>();
    for (const p of packages) {
      const dir = path.join(work, p.name, 'package');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: p.name, version: p.version, main: 'index.js', scripts: p.scripts ?? {} }));
      for (const [f, c] of Object.entries(p.files ?? { 'index.js': `module.exports = ${JSON.stringify(p.name)};` })) writeFileSync(path.join(dir, f), c);
      const tgz = path.join(work, `${p.name}.tgz`);
      execFileSync('tar', ['czf', tgz, '-C', path.join(work, p.name), 'package']);
      tarballs.set(p.name, readFileSync(tgz));
    }
    rmSync(work, { recursive: true, force: true });
    const requests: string[] = [];
    let base = '';
    const server = http.createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '/');
      requests.push(url);
      const tar = /^\/([^/]+)\/-\/[^/]+\.tgz$/.exec(url);
      if (tar && tarballs.has(tar[1]!)) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(tarballs.get(tar[1]!));
        return;
      }
      const p = packages.find((x) => `/${x.name}` === url);
      if (!p) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Not found"}');
        return;
      }
      const data = tarballs.get(p.name)!;
      const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
      const version = {
        name: p.name,
        version: p.version,
        ...(p.scripts ? { scripts: p.scripts, hasInstallScript: Object.keys(p.scripts).some((s) => /install/.test(s)) } : {}),
        dist: { tarball: `${base}/${p.name}/-/${p.name}-${p.version}.tgz`, integrity, shasum: createHash('sha1').update(data).digest('hex') },
      };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: p.name, 'dist-tags': { latest: p.version }, versions: { [p.version]: version } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new FakeNpmRegistry(server, base, requests);
  }

  /** Paths requested so far. */
  seen(): string[] {
    return [...this.requests];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
