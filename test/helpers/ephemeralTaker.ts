/**
 * Run by ports.test.ts inside a user and network namespace of its own (`unshare -rn`) whose kernel hands out only two
 * ports on its own (the test sets ip_local_port_range so): an unsandboxed sandbox is created and its app started, while another
 * program here (a server asking the kernel for any free port, as every `listen(0)` and every outgoing connection
 * does) asks for one in the moment the app's port is free: the app listens on it only once that program asked. Prints
 * what the sandbox's URL served, or why not, as JSON on its last line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import { request } from './http';
import { until } from './poll';

/** Another program's server on a port the kernel picks (port 0); undefined while it has none to give. */
function anyPort(page: string): Promise<http.Server | undefined> {
  return new Promise((resolve) => {
    const s = http.createServer((_q, r) => r.end(page));
    s.once('error', () => resolve(undefined));
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function main(): Promise<{ body?: string; error?: string; port: number; taken: number[] }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-ephemeral-'));
  const provider = new LocalProvider({ root, sandbox: 'off' });
  const others: http.Server[] = [];
  try {
    const sandbox = await provider.create({ appName: 'mine', appType: 'webapp' });
    const port = Number(new URL(sandbox.url(3000)).port);
    // Other programs have every other port the kernel gives on its own.
    const fillers: http.Server[] = [];
    for (let s = await anyPort('filler'); s; s = await anyPort('filler')) fillers.push(s);
    writeFileSync(
      path.join(root, sandbox.id, 'app', 'server.js'),
      `const fs = require('fs'), http = require('http');
const go = () => fs.existsSync('go')
  ? http.createServer((q, s) => s.end('mine')).on('error', (e) => { console.error('listen: ' + e.code); setInterval(() => {}, 1000); }).listen(Number(process.env.PORT), process.env.HOST)
  : setTimeout(go, 20);
go();`,
    );
    const app = await sandbox.start('node server.js');
    // In the moment the app's port is free, another program asks the kernel for a port…
    const taker = await anyPort('another app');
    const taken = taker ? [(taker.address() as AddressInfo).port] : [];
    if (taker) others.push(taker);
    // …the others let theirs go, and only then the app listens.
    for (const s of fillers) s.close();
    writeFileSync(path.join(root, sandbox.id, 'app', 'go'), '');
    try {
      const ready = await until(() => sandbox.probe(3000).then((up) => up || undefined, (err: unknown) => err as Error), 'the app to answer');
      return ready === true ? { body: (await request(sandbox.url(3000))).body, port, taken } : { error: ready.message, port, taken };
    } finally {
      await app.kill();
    }
  } finally {
    await provider.destroyAll();
    for (const s of others) s.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  (r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  },
  (err: unknown) => {
    console.log(JSON.stringify({ error: String(err) }));
    process.exit(1);
  },
);
