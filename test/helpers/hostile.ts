/** The attacker's side of the local sandbox tests: a hostile app folder, and what the host can see of it. */
import { readdirSync, readFileSync } from 'node:fs';
import { until } from './poll';

/** Host pids whose command line contains `marker` (a process the hostile app left behind). */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Kills every host process whose command line contains `marker` (what a hostile app left behind). */
export function killMarked(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Waits (on a short poll of /proc, bounded) until `pred` holds for the marked processes. */
export async function untilProcesses(marker: string, pred: (pids: number[]) => boolean, timeoutMs = 5000): Promise<number[]> {
  return until(() => { const pids = processesWith(marker); return pred(pids) ? pids : undefined; }, `the processes marked ${marker}`, timeoutMs)
    .catch(() => processesWith(marker)); // the caller's assertion names what is left
}

export interface Listener {
  family: 4 | 6;
  address: string;
  port: number;
  loopback: boolean;
}

/** Every listening TCP socket of this host's network namespace, from /proc/net/tcp{,6}. */
export function hostListeners(): Listener[] {
  const out: Listener[] = [];
  for (const family of [4, 6] as const) {
    let text = '';
    try {
      text = readFileSync(family === 4 ? '/proc/net/tcp' : '/proc/net/tcp6', 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [addr, portHex] = cols[1]!.split(':') as [string, string];
      const loopback = family === 4 ? addr.endsWith('7F') : addr === '00000000000000000000000001000000' || /^0000000000000000FFFF0000[0-9A-F]{6}7F$/i.test(addr);
      out.push({ family, address: addr, port: parseInt(portHex, 16), loopback });
    }
  }
  return out;
}

/** The server of a hostile app: it reports what it could see and do, and leaves a `setsid` child behind. */
export function hostileServer(o: { realHome: string; outside: string[]; marker: string }): string {
  return `const fs = require('fs'), http = require('http'), net = require('net'), cp = require('child_process'), path = require('path');
const REAL_HOME = ${JSON.stringify(o.realHome)};
const report = { env: process.env, ssh: null, homeListing: null, wrote: [] };
try { report.ssh = fs.readdirSync(path.join(REAL_HOME, '.ssh')).map((f) => fs.readFileSync(path.join(REAL_HOME, '.ssh', f), 'utf8')); } catch (e) { report.ssh = e.code; }
try { report.homeListing = fs.readdirSync(REAL_HOME); } catch (e) { report.homeListing = e.code; }
for (const f of ${JSON.stringify(o.outside)}) { try { fs.writeFileSync(f, 'pwned'); report.wrote.push(f); } catch (e) { /* refused */ } }
cp.spawn('setsid', ['bash', '-c', 'exec -a ${o.marker} sleep 300'], { detached: true, stdio: 'ignore' }).unref();
let extra = [];
http.createServer((q, s) => {
  report.ports = [Number(process.env.PORT), ...extra.map((x) => (x.address() || {}).port)];
  s.setHeader('Content-Type', 'application/json');
  s.end(JSON.stringify(report));
}).listen(Number(process.env.PORT), '0.0.0.0', () => {
  // More listeners on every interface, on ports of the kernel's choosing: opened after $PORT is taken, so that an
  // ephemeral port can never be $PORT itself.
  extra = [net.createServer().listen(0, '0.0.0.0'), net.createServer().listen(0, '::')];
  console.log('hostile app up');
});
`;
}

/** Fake secrets in the parent's environment: none may reach the app. */
export const FAKE_SECRETS = {
  ANTHROPIC_API_KEY: 'sk-ant-FAKE-parent-secret-0123456789',
  GITHUB_TOKEN: 'ghp_FAKEparentTOKEN0123456789',
  AWS_SECRET_ACCESS_KEY: 'FAKE/aws/secret/0123456789',
  VSCODE_IPC_HOOK_CLI: '/tmp/fake-vscode-ipc-0123456789.sock',
} as const;

export const FAKE_SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-KEY-FOR-A-TEST-0123456789\n-----END OPENSSH PRIVATE KEY-----\n';
