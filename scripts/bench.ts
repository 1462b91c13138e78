/**
 * `npm run bench`: speed and cost, measured side by side in one run (ratios, not absolute-time assertions).
 * `npm run bench -- --json` prints one JSON object instead of the table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { deploy } from '../src/core/deploy';
import { LocalProvider } from '../src/core/sandbox/local';
import type { AppSpec } from '../src/core/spec';

const ROOT = path.resolve(__dirname, '..');
const json = process.argv.includes('--json');
const log = (s: string) => {
  if (!json) process.stdout.write(s + '\n');
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `spawn-app run` with templates/local: process start → `ready` event. */
async function offlineReady(runs = 5): Promise<{ readyMs: number; samples: number[] }> {
  const samples: number[] = [];
  const localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-'));
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/spawn-app.js'), 'run', 'a calculator', '--json'], {
        env: { ...process.env, ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', SPAWN_APP_LOCAL_ROOT: localRoot },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d: string) => {
          buf += d;
          if (buf.includes('"event":"ready"')) {
            samples.push(performance.now() - t0);
            child.kill('SIGINT');
            resolve();
          }
        });
        child.on('close', () => reject(new Error('spawn-app exited before ready')));
      });
      await new Promise((r) => child.on('close', r));
    }
  } finally {
    rmSync(localRoot, { recursive: true, force: true });
  }
  return { readyMs: Math.round(median(samples)), samples: samples.map(Math.round) };
}

const delayedServer = (delayMs: number) =>
  `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, () => console.log('LISTENING ' + Date.now())), ${delayMs});`;

/** Readiness on the local runner: detection lag after the port opens, and time to report a crash on start. */
async function readiness(): Promise<{ lagMs: number; crashReportMs: number }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-ready-'));
  const provider = new LocalProvider({ root });
  const base: AppSpec = { appType: 'webapp', files: [], startCommand: 'node server.js', dependencies: [], port: 3000 };
  try {
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      let listenedAt = 0;
      const d = await deploy({
        spec: { ...base, files: [{ path: 'server.js', content: delayedServer(500) }] },
        provider,
        onEvent: (e) => {
          if (e.event === 'log' && e.line.startsWith('LISTENING ')) listenedAt = Number(e.line.slice(10));
        },
      });
      lags.push(Date.now() - listenedAt);
      await d.sandbox.destroy();
    }
    const crashes: number[] = [];
    for (let i = 0; i < 3; i++) {
      let startedAt = 0;
      try {
        await deploy({
          spec: { ...base, files: [{ path: 'server.js', content: "console.error('boom'); process.exit(1)" }] },
          provider,
          onEvent: (e) => {
            if (e.event === 'phase' && e.phase === 'start' && e.status === 'started') startedAt = performance.now();
          },
        });
      } catch {
        crashes.push(performance.now() - startedAt);
      }
    }
    return { lagMs: Math.round(median(lags)), crashReportMs: Math.round(median(crashes)) };
  } finally {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Bundle size (production build) and whether an SDK is reachable from activate() without a dynamic import. */
async function bundle(): Promise<{ extensionBytes: number; cliBytes: number; sdkLoadedAtActivation: boolean; sdkModulesInBundle: number }> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-bundle-'));
  try {
    const result = await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/extension.ts')],
      outfile: path.join(outdir, 'extension.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      external: ['vscode'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = result.metafile.inputs;
    const isSdk = (p: string) => /node_modules\/(@anthropic-ai\/sdk|e2b|@e2b)\//.test(p);
    // Walk the static import graph from the entry point; dynamic imports are the lazy edges.
    const entry = Object.keys(inputs).find((k) => k.endsWith('src/extension.ts'))!;
    const seen = new Set<string>([entry]);
    const queue = [entry];
    while (queue.length) {
      const cur = queue.pop()!;
      for (const imp of inputs[cur]?.imports ?? []) {
        if (imp.kind === 'dynamic-import' || imp.external || seen.has(imp.path)) continue;
        seen.add(imp.path);
        queue.push(imp.path);
      }
    }
    const cliOut = path.join(outdir, 'cli.js');
    await esbuild.build({ entryPoints: [path.join(ROOT, 'src/cli.ts')], outfile: cliOut, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'silent' });
    return {
      extensionBytes: statSync(path.join(outdir, 'extension.js')).size,
      cliBytes: statSync(cliOut).size,
      sdkLoadedAtActivation: [...seen].some(isSdk),
      sdkModulesInBundle: Object.keys(inputs).filter(isSdk).length,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function cpuModel(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}`;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'ignore' });
  log(`# Spawn App benchmark — ${cpuModel()}`);
  const result: Record<string, unknown> = { machine: cpuModel() };

  const ready = await readiness();
  result.readiness = ready;
  log(`\n## Readiness (local runner)\n| measure | value | target |\n|---|---|---|`);
  log(`| detection lag after the port opens | ${ready.lagMs} ms | ≤ 150 ms |`);
  log(`| crash on start → failure reported | ${ready.crashReportMs} ms | ≤ 1000 ms (seed: 30 s timeout) |`);

  const offline = await offlineReady();
  result.offline = offline;
  log(`\n## End to end: \`spawn-app run "a calculator"\` (templates + local), process start → ready`);
  log(`| median of ${offline.samples.length} | samples | target |\n|---|---|---|\n| ${offline.readyMs} ms | ${offline.samples.join(', ')} ms | ≤ 1500 ms |`);

  const b = await bundle();
  result.bundle = b;
  log(`\n## Bundle\n| measure | value |\n|---|---|`);
  log(`| dist/extension.js (minified) | ${(b.extensionBytes / 1024).toFixed(0)} KB |`);
  log(`| dist/cli.js (minified) | ${(b.cliBytes / 1024).toFixed(0)} KB |`);
  log(`| SDK modules in the bundle (loaded lazily) | ${b.sdkModulesInBundle} |`);
  log(`| an SDK is loaded at activation | ${b.sdkLoadedAtActivation} |`);

  if (json) process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
