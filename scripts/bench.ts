/**
 * `npm run bench`: speed and cost, measured side by side in one run (ratios, not absolute-time assertions).
 * `npm run bench -- --json` prints one JSON object instead of the table; `npm run bench -- --write` also writes the
 * tables into docs/benchmarks.md as its "Latest run" section (everything above that heading is kept).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Sandbox } from 'e2b';
import { DEFAULTS } from '../src/core/base/config';
import http from 'node:http';
import { deploy, redeploy } from '../src/core/deploy/deploy';
import { applyPatch } from '../src/core/workspace/patch';
import { Prewarm } from '../src/core/deploy/prewarm';
import { ClaudeGenerator } from '../src/core/generate/claude';
import { PromptCacheBase } from '../src/core/generate/fixLoop';
import { FileStreamExtractor } from '../src/core/generate/fileStreamExtractor';
import { templateSpec } from '../src/core/stacks';
import { formatUsd, sandboxCost } from '../src/core/base/pricing';
import { E2BProvider, probeUrl } from '../src/core/sandbox/e2b/provider';
import { SPAWN_TEMPLATE_ALIAS, STACK_TEMPLATES_CHOICE, TEMPLATE_PACKAGES } from '../src/core/sandbox/preinstalled';
import { stackTemplateOptions } from '../test/helpers/stackImages';
import { connectHmr, loadPage, viteWsToken } from '../test/helpers/viteHmr';
import { APP_TYPES } from '../src/core/stacks';
import { FakeAnthropic } from '../test/fakes/fakeAnthropic';
import { FakeE2B } from '../test/fakes/fakeE2B';
import { LocalProvider } from '../src/core/sandbox/local/provider';
import type { AppSpec } from '../src/core/app/spec';
import { findBrowser, Verifier } from '../src/core/verify';
import { Session } from '../src/core/session';
import { saveApp } from '../src/core/workspace/appDir';

const ROOT = path.resolve(__dirname, '..');
const json = process.argv.includes('--json');
const write = process.argv.includes('--write');
/** `--only verify|data|fixloop|python`: run only that part (no --write then: the doc holds whole runs). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const BENCH_DOC = path.join(ROOT, 'docs/benchmarks.md');
const LATEST = '## Latest run';
const report: string[] = [];
const log = (s: string) => {
  report.push(s);
  if (!json) process.stdout.write(s + '\n');
};

/** docs/benchmarks.md with its "Latest run" section replaced by this run's tables (their headings one level down). */
function writeBenchDoc(): void {
  const doc = readFileSync(BENCH_DOC, 'utf8');
  const at = doc.indexOf(`\n${LATEST}`);
  if (at < 0) throw new Error(`${BENCH_DOC} has no "${LATEST}" heading to replace`);
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const load = os.loadavg()[0]!.toFixed(1);
  const body = report.slice(1).join('\n').replace(/^## /gm, '### ');
  writeFileSync(BENCH_DOC, `${doc.slice(0, at)}\n${LATEST}: ${when} UTC — ${cpuModel()} (load average ${load})\n${body}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One `spawn-app run "a calculator"` (templates/local): process start → `ready` event, in ms. */
async function runToReady(localRoot: string, extraEnv: NodeJS.ProcessEnv = {}, runArgs = ['a calculator']): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/spawn-app.js'), 'run', ...runArgs, '--json'], {
    env: { ...process.env, ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', SPAWN_APP_LOCAL_ROOT: localRoot, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ms = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      if (buf.includes('"event":"ready"')) {
        resolve(performance.now() - t0);
        child.kill('SIGINT');
      }
    });
    child.on('close', () => reject(new Error('spawn-app exited before ready')));
  });
  await new Promise((r) => child.on('close', r));
  return ms;
}

/**
 * `spawn-app run` with templates/local, sandboxed (bubblewrap) and with the sandbox forced off, runs interleaved
 * so that both see the same machine load.
 */
async function offlineReady(runs = 7): Promise<{ readyMs: number; samples: number[]; unsandboxedMs: number; unsandboxedSamples: number[]; sandboxOverheadMs: number; sandboxed: boolean }> {
  const samples: number[] = [];
  const off: number[] = [];
  const localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-'));
  try {
    for (let i = 0; i < runs; i++) {
      samples.push(await runToReady(localRoot));
      off.push(await runToReady(localRoot, { SPAWN_APP_SANDBOX: 'off' }));
    }
  } finally {
    rmSync(localRoot, { recursive: true, force: true });
  }
  const readyMs = Math.round(median(samples));
  const unsandboxedMs = Math.round(median(off));
  return { readyMs, samples: samples.map(Math.round), unsandboxedMs, unsandboxedSamples: off.map(Math.round), sandboxOverheadMs: readyMs - unsandboxedMs, sandboxed: new LocalProvider().isolation().sandboxed };
}

/** The stacks whose later deploy is measured (bench key prefix → `spawn-app run` arguments) and their targets. */
const SECOND_READY = {
  react: { args: ['a counter with a reset button', '--type', 'react'], targetMs: 3000 },
  api: { args: ['a notes api', '--type', 'api'], targetMs: 1500 },
  pythonApi: { args: ['a notes api', '--type', 'python-api'], targetMs: 1500 },
  streamlit: { args: ['a chart of sales', '--type', 'streamlit'], targetMs: 4000 },
} as const;
type SecondReadyStack = keyof typeof SECOND_READY;

/**
 * `spawn-app run` of each SECOND_READY app (templates/local) with the stack's dependency cache already built: the
 * user's own cache (the first run of each builds its entry when missing, as a user's first deploy does), then the
 * median of 3 later runs, process start → ready. A stack whose first run fails (a Python stack where the pip index
 * lacks its packages) is reported with its error instead of numbers.
 */
type SecondReadyResult = Partial<Record<SecondReadyStack, { ms: number; samples: number[]; firstRunMs: number } | { error: string }>>;

async function secondReady(stacks = Object.keys(SECOND_READY) as SecondReadyStack[]): Promise<SecondReadyResult> {
  const localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-cache-'));
  const out: SecondReadyResult = {};
  try {
    const samples = new Map<SecondReadyStack, number[]>();
    for (const k of stacks) {
      try {
        out[k] = { ms: 0, samples: [], firstRunMs: Math.round(await runToReady(localRoot, {}, [...SECOND_READY[k].args])) };
        samples.set(k, []);
      } catch (err) {
        out[k] = { error: (err as Error).message };
      }
    }
    for (let i = 0; i < 3; i++) for (const [k, list] of samples) list.push(Math.round(await runToReady(localRoot, {}, [...SECOND_READY[k].args])));
    for (const [k, list] of samples) out[k] = { ...(out[k] as { firstRunMs: number }), ms: median(list), samples: list };
    return out;
  } finally {
    rmSync(localRoot, { recursive: true, force: true });
  }
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
        verify: false, // the readiness lag, without the check that follows it
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
          verify: false,
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
async function bundle(): Promise<{ sdkLoadMsAvoided: number; extensionBytes: number; cliBytes: number; sdkLoadedAtActivation: boolean; sdkModulesInBundle: number }> {
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
    await esbuild.build({ entryPoints: [path.join(ROOT, 'src/cli/index.ts')], outfile: cliOut, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'silent' });
    // What activation would cost if the SDKs were loaded eagerly: requiring both in a fresh process, median of 3.
    const sdkLoads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = execFileSync(process.execPath, ['-e', "const t=process.hrtime.bigint();require('@anthropic-ai/sdk');require('e2b');console.log(Number(process.hrtime.bigint()-t)/1e6)"], { cwd: ROOT, encoding: 'utf8' });
      sdkLoads.push(Number(out.trim()));
    }
    return {
      sdkLoadMsAvoided: Math.round(median(sdkLoads)),
      extensionBytes: statSync(path.join(outdir, 'extension.js')).size,
      cliBytes: statSync(cliOut).size,
      sdkLoadedAtActivation: [...seen].some(isSdk),
      sdkModulesInBundle: Object.keys(inputs).filter(isSdk).length,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The seed's deploy, step by step as it was written: one write per file, sequential, a 1 s health-check interval. */
async function seedDeploy(spec: AppSpec, conn: { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string }): Promise<void> {
  const sbx = await Sandbox.create('base', { ...conn, timeoutMs: 15 * 60_000 });
  try {
    for (const f of spec.files) await sbx.files.write(`/home/user/app/${f.path}`, f.content);
    if (spec.dependencies.length) await sbx.commands.run(`npm install ${spec.dependencies.join(' ')}`, { cwd: '/home/user/app', timeoutMs: 300_000 });
    await sbx.commands.run(spec.startCommand, { cwd: '/home/user/app', background: true, timeoutMs: 0, envs: { PORT: '3000' } });
    const url = `http://${sbx.getHost(3000)}`;
    for (let i = 0; i < 30; i++) {
      if (await probeUrl(url)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error('seed deploy: never ready');
  } finally {
    await sbx.kill();
  }
}

function filesApp(n: number): AppSpec {
  const spec = templateSpec('webapp', 'a calculator');
  const base = spec.files.filter((f) => f.path === 'server.js' || (n >= 2 && f.path === 'index.html'));
  const extra = Array.from({ length: Math.max(0, n - base.length) }, (_, i) => ({ path: `assets/part-${i}.txt`, content: `part ${i}\n`.repeat(20) }));
  return { ...spec, files: [...base, ...extra] };
}

interface DeployBench {
  latencyMs: number;
  requests: Record<string, number>;
  baselineRequests: Record<string, number>;
  ms: Record<string, number>;
  baselineMs: Record<string, number>;
  timeRatio10: number;
}

/** Our E2B deploy vs the seed's, both against the fake E2B with a per-request latency, for 1, 10 and 50 files. */
async function deployComparison(latencyMs = 50): Promise<DeployBench> {
  const fake = await FakeE2B.start({ latencyMs });
  const out: DeployBench = { latencyMs, requests: {}, baselineRequests: {}, ms: {}, baselineMs: {}, timeRatio10: 0 };
  try {
    for (const n of [1, 10, 50]) {
      const spec = filesApp(n);
      fake.resetCounts();
      let t0 = performance.now();
      const d = await deploy({ spec, provider: new E2BProvider(fake.connection()), verify: false });
      out.ms[n] = Math.round(performance.now() - t0);
      await d.sandbox.destroy();
      out.requests[n] = fake.apiRequests() - 1; // the kill is not part of the deploy
      fake.resetCounts();
      t0 = performance.now();
      await seedDeploy(spec, fake.connection());
      out.baselineMs[n] = Math.round(performance.now() - t0);
      out.baselineRequests[n] = fake.apiRequests() - 1;
    }
  } finally {
    await fake.close();
  }
  out.timeRatio10 = Number((out.ms[10]! / out.baselineMs[10]!).toFixed(3));
  return out;
}

/** The api app on E2B's base template (npm install) vs on Spawn App's template (install skipped). */
async function templateSaving(latencyMs = 50): Promise<{ baseMs: number; templateMs: number; savedMs: number; installSkipped: boolean }> {
  // The template's image, built once like E2B builds it: express installed in /home/user/app.
  const image = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-image-'));
  const appDir = path.join(image, 'app');
  mkdirSync(appDir);
  writeFileSync(path.join(appDir, 'package.json'), '{"private":true}');
  const npmEnv = { npm_config_cache: path.join(os.homedir(), '.npm'), npm_config_prefer_offline: 'true' };
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...Object.entries(TEMPLATE_PACKAGES.npm).map(([n, v]) => `${n}@${v}`)], { cwd: appDir, env: { ...process.env, ...npmEnv }, stdio: 'ignore' });
  const fake = await FakeE2B.start({ latencyMs, templates: ['base', SPAWN_TEMPLATE_ALIAS], templateImages: { [SPAWN_TEMPLATE_ALIAS]: image }, processEnv: npmEnv });
  try {
    const spec = templateSpec('api', 'notes api');
    const time = async (template: string) => {
      let skipped = false;
      const t0 = performance.now();
      const d = await deploy({ spec, provider: new E2BProvider({ ...fake.connection(), template }), onEvent: (e) => {
        if (e.event === 'phase' && e.phase === 'install' && e.status === 'skipped') skipped = true;
      }, verify: false });
      const ms = performance.now() - t0;
      if ((await probeUrl(d.url + '/api/notes')) !== true) throw new Error('the api did not answer');
      await d.sandbox.destroy();
      return { ms, skipped };
    };
    const base: number[] = [];
    const tpl: number[] = [];
    let installSkipped = true;
    for (let i = 0; i < 3; i++) {
      base.push((await time('base')).ms);
      const t = await time(SPAWN_TEMPLATE_ALIAS);
      tpl.push(t.ms);
      installSkipped &&= t.skipped;
    }
    const baseMs = Math.round(median(base));
    const templateMs = Math.round(median(tpl));
    return { baseMs, templateMs, savedMs: baseMs - templateMs, installSkipped };
  } finally {
    await fake.close();
    rmSync(image, { recursive: true, force: true });
  }
}

/**
 * Confirm → ready on E2B with Spawn App's per-stack templates (their server already running), without pre-warm:
 * create + one write + the health check, on the fake E2B at 50 ms per request and 150 ms per create, its templates
 * resumed with their server running as from E2B's snapshot (snapshotTemplates).
 */
const viaEdgeToken = (e: { base: string; headers: Record<string, string> }) => viteWsToken(e.base, e.headers);

async function confirmToReadyCold(latencyMs = 50): Promise<{ webapp: number; react: number; hmrUpdateMs: number; requests: Record<string, Record<string, number>>; prewarmed: { webapp: number; react: number; requests: Record<string, Record<string, number>> } }> {
  const fake = await FakeE2B.start({ latencyMs, createLatencyMs: 150, snapshotTemplates: true, ...stackTemplateOptions(['webapp', 'react']) });
  const provider = new E2BProvider({ ...fake.connection(), template: STACK_TEMPLATES_CHOICE });
  const out = { webapp: 0, react: 0, hmrUpdateMs: 0, requests: {} as Record<string, Record<string, number>>, prewarmed: { webapp: 0, react: 0, requests: {} as Record<string, Record<string, number>> } };
  try {
    // With pre-warm: the sandbox was created while the model wrote; confirm → ready is take + write + health.
    for (const appType of ['webapp', 'react'] as const) {
      const spec = templateSpec(appType, 'a counter');
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        await fake.sparesReady();
        const prewarm = Prewarm.start({ provider, appType, idleMs: 60_000 });
        if (!(await prewarm.settled())) throw new Error('the pre-warm failed');
        fake.resetCounts();
        const t0 = performance.now();
        const d = await deploy({ spec, provider, into: await prewarm.take(), verify: false });
        samples.push(performance.now() - t0);
        out.prewarmed.requests[appType] = fake.counts();
        await d.sandbox.destroy();
      }
      out.prewarmed[appType] = Math.round(median(samples));
    }
    for (const appType of ['webapp', 'react'] as const) {
      const spec = templateSpec(appType, 'a counter');
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        await fake.sparesReady(); // E2B's snapshot of the template is always there
        fake.resetCounts();
        const t0 = performance.now();
        const d = await deploy({ spec, provider, verify: false });
        samples.push(performance.now() - t0);
        out.requests[appType] = fake.counts();
        await d.sandbox.destroy();
      }
      out[appType] = Math.round(median(samples));
    }
    // A saved edit of src/App.tsx → Vite's HMR update reaches a connected client that loaded the page (through the fake's
    // edge), median of 5.
    await fake.sparesReady();
    const spec = templateSpec('react', 'a counter');
    const d = await deploy({ spec, provider, verify: false });
    const u = new URL(d.url);
    const viaEdge = { base: `http://127.0.0.1:${u.port}`, headers: { Host: u.host } };
    // The page and its modules, as the preview's browser loads them: Vite sends updates only for modules requested.
    const loaded = await loadPage(viaEdge.base, viaEdge.headers);
    if (!loaded.includes('/src/App.tsx')) throw new Error(`the page did not load /src/App.tsx: ${loaded.join(', ')}`);
    const hmr = await connectHmr(viaEdge.base, await viaEdgeToken(viaEdge), viaEdge.headers);
    try {
      await hmr.next((m) => m.type === 'connected');
      let current = d;
      const hot: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = hmr.messages.length;
        const app = spec.files.find((f) => f.path === 'src/App.tsx')!.content.replace('>Counter<', `>Counter ${i}<`);
        const t0 = performance.now();
        const r = await redeploy(current, applyPatch(current.spec, { changes: [{ path: 'src/App.tsx', content: app }], deletions: [] }).spec, { provider, verify: false });
        current = r.deployment;
        await hmr.next((m) => hmr.messages.indexOf(m) >= before && m.type === 'update');
        hot.push(performance.now() - t0);
        if (r.plan.restart) throw new Error('an App.tsx edit restarted the server');
      }
      out.hmrUpdateMs = Math.round(median(hot));
    } finally {
      hmr.close();
      await d.sandbox.destroy();
    }
  } finally {
    await fake.close();
  }
  return out;
}

/** Time to the first `file` event as a fraction of the whole generation, at a realistic streaming rate. */
async function streaming(): Promise<{ firstFileFraction: number; firstCompleteFraction: number; outputTokens: number; totalMs: number; tokensPerSecond: number }> {
  // ~12 tokens a chunk every 60 ms ≈ 200 output tokens/s, about Haiku's rate.
  const fake = await FakeAnthropic.start({ chunkSize: 48 });
  try {
    fake.defaultScenario = { kind: 'slow', chunkDelayMs: 60 };
    const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-ant-bench', anthropicBaseUrl: fake.url });
    let first = 0;
    let firstComplete = 0;
    let outputTokens = 0;
    const t0 = performance.now();
    await gen.generate({ prompt: 'a todo list', appType: 'webapp', onEvent: (e) => {
      if (e.event === 'file' && !first) first = performance.now() - t0;
      if (e.event === 'file' && e.status === 'complete' && !firstComplete) firstComplete = performance.now() - t0;
      if (e.event === 'cost') outputTokens = e.outputTokens ?? 0;
    } });
    const total = performance.now() - t0;
    return {
      firstFileFraction: Number((first / total).toFixed(3)),
      firstCompleteFraction: Number((firstComplete / total).toFixed(3)),
      outputTokens,
      totalMs: Math.round(total),
      tokensPerSecond: Math.round(outputTokens / (total / 1000)),
    };
  } finally {
    await fake.close();
  }
}

/** The stream extractor's scan of a 2 MB tool input pushed in 40-character chunks (linear: well under a second). */
function streamScan(): { scanMs: number; files: number } {
  const big = { appType: 'webapp', files: Array.from({ length: 50 }, (_, i) => ({ path: `f${i}.js`, content: `// ${'x'.repeat(40_000)}\n"quote" \\ \n` })) };
  const json = JSON.stringify(big);
  let files = 0;
  const x = new FileStreamExtractor({ onStarted: () => undefined, onComplete: () => void files++ });
  const t0 = performance.now();
  for (let i = 0; i < json.length; i += 40) x.push(json.slice(i, i + 40));
  return { scanMs: Math.round(performance.now() - t0), files };
}

/** Tokens and dollars per generation for each app type with the default model, from the fake's usage. */
async function costs(): Promise<{ model: string; perType: Record<string, { inputTokens: number; outputTokens: number; usd: number | null }>; e2bPerMinuteUsd: number }> {
  const fake = await FakeAnthropic.start({ chunkSize: 4096 });
  const perType: Record<string, { inputTokens: number; outputTokens: number; usd: number | null }> = {};
  try {
    const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-ant-bench', anthropicBaseUrl: fake.url });
    for (const appType of APP_TYPES) {
      const { usage } = await gen.generate({ prompt: `a small ${appType}`, appType });
      perType[appType] = { inputTokens: usage!.inputTokens, outputTokens: usage!.outputTokens, usd: usage!.usd };
    }
  } finally {
    await fake.close();
  }
  // E2B's base template: 2 vCPU, 512 MiB.
  return { model: DEFAULTS.model, perType, e2bPerMinuteUsd: sandboxCost(60, 2, 512) };
}

/** A PNG's signature and header (IHDR) at a size: what the fake reads to count an image's tokens. */
function pngHeader(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.writeUInt8(8, 16);
  ihdr.writeUInt8(6, 17);
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]));
}

/** An app of about `tokens` tokens (~4 characters a token): the calculator template plus data modules. */
function sizedApp(tokens: number): AppSpec {
  const spec = templateSpec('webapp', 'a calculator');
  const files = [...spec.files];
  let chars = files.reduce((n, f) => n + f.content.length, 0);
  for (let i = 0; chars < tokens * 4; i++) {
    const content = `// Module ${i}: the unit conversions of table ${i}.\nexport const table${i} = [\n` + Array.from({ length: 40 }, (_, j) => `  { from: 'unit${j}', to: 'unit${j + 1}', factor: ${(j + 1) * 1.5 + i} },`).join('\n') + '\n];\n';
    files.push({ path: `lib/table${i}.js`, content });
    chars += content.length;
  }
  return { ...spec, files };
}

interface FixLoopRun {
  usd: number;
  rounds: { inputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; outputTokens: number; usd: number; hitRatio: number }[];
}

/**
 * A 3-round fix loop against the fake Anthropic with the default model's prices, with and without the prompt cache:
 * each round sends the problems, the app's output, the prompt and a 1280×800 screenshot with the files (the base the
 * session keeps, then what changed since), and gets a one-file fix of app.js back. Measured for a small app (below the
 * default model's 4096-token cache minimum) and a larger one. The hit ratio: cache reads over all input tokens.
 */
async function fixLoopBench(): Promise<{ model: string; apps: { tokens: number; files: number; cached: FixLoopRun; uncached: FixLoopRun; ratio: number; laterHitRatio: number }[] }> {
  const fake = await FakeAnthropic.start({ chunkSize: 8192 });
  const screenshot = pngHeader(1280, 800);
  const problems = [{ kind: 'exception' as const, message: 'The page threw an uncaught TypeError: Cannot read properties of null (reading \'addEventListener\').', file: 'app.js', line: 12 }];
  const loop = async (app: AppSpec, promptCache: boolean): Promise<FixLoopRun> => {
    fake.reset();
    const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-ant-bench', anthropicBaseUrl: fake.url }, { promptCache });
    const bases = new PromptCacheBase();
    let spec = app;
    const rounds: FixLoopRun['rounds'] = [];
    for (let round = 1; round <= 3; round++) {
      const js = spec.files.find((f) => f.path === 'app.js')!.content;
      // A small fix, answered as the patch tool asks for one: an edit of app.js's first lines, not the whole file.
      const head = js.split('\n').slice(0, 2).join('\n');
      fake.enqueue({ kind: 'ok', input: { summary: `Fix ${round}.`, changes: [], deletions: [], edits: [{ path: 'app.js', find: head, replace: `// fix ${round}\n${head}` }] } });
      const failure = { prompt: 'a calculator with unit conversions', problems, output: 'Listening on port 3000', screenshot };
      const { patch, usage } = await gen.fixVerification({ spec, base: bases.for(spec, gen.model), failure });
      const read = usage.cacheReadTokens ?? 0;
      const written = usage.cacheWriteTokens ?? 0;
      rounds.push({ inputTokens: usage.inputTokens, cacheReadTokens: read, cacheWriteTokens: written, outputTokens: usage.outputTokens, usd: usage.usd!, hitRatio: read / (usage.inputTokens + read + written) });
      spec = applyPatch(spec, patch).spec;
    }
    return { usd: rounds.reduce((n, r) => n + r.usd, 0), rounds };
  };
  try {
    const apps = [];
    for (const app of [templateSpec('webapp', 'a calculator'), sizedApp(10_000)]) {
      const uncached = await loop(app, false);
      const cached = await loop(app, true);
      const later = cached.rounds.slice(1);
      apps.push({
        tokens: Math.round(app.files.reduce((n, f) => n + f.content.length, 0) / 4),
        files: app.files.length,
        cached,
        uncached,
        ratio: Number((cached.usd / uncached.usd).toFixed(3)),
        laterHitRatio: Number((later.reduce((n, r) => n + r.cacheReadTokens, 0) / later.reduce((n, r) => n + r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens, 0)).toFixed(3)),
      });
    }
    return { model: DEFAULTS.model, apps };
  } finally {
    await fake.close();
  }
}

/** The bench keys `iterate.fixLoopUsd`: per app size, the cached and uncached loop, their ratio, the later hit ratio. */
function fixLoopResult(f: Awaited<ReturnType<typeof fixLoopBench>>): Record<string, { cached: number; uncached: number; ratio: number; laterHitRatio: number }> {
  return Object.fromEntries(f.apps.map((a) => [`${a.tokens}Tokens`, { cached: Number(a.cached.usd.toFixed(6)), uncached: Number(a.uncached.usd.toFixed(6)), ratio: a.ratio, laterHitRatio: a.laterHitRatio }]));
}

function logFixLoop(f: Awaited<ReturnType<typeof fixLoopBench>>): void {
  log(`\n## Fix loop: 3 rounds after a failed verification, with and without the prompt cache (fake Anthropic, ${f.model}'s prices)`);
  log('| app | uncached | cached | cached / uncached | later rounds\' cache hit ratio | targets |\n|---|---|---|---|---|---|');
  for (const a of f.apps) {
    log(`| ${a.files} files, ~${a.tokens} tokens | $${a.uncached.usd.toFixed(4)} | $${a.cached.usd.toFixed(4)} | ${a.ratio} | ${a.laterHitRatio} | ≤ 0.5, ≥ 0.8 |`);
  }
  log('Per round (cached): input + cache reads + cache writes + output tokens → dollars:');
  for (const a of f.apps) log(`- ~${a.tokens} tokens: ${a.cached.rounds.map((r, i) => `round ${i + 1}: ${r.inputTokens} + ${r.cacheReadTokens} + ${r.cacheWriteTokens} + ${r.outputTokens} → ${formatUsd(r.usd)}`).join('; ')}`);
}

/** A static edit of a running webapp on the local runner: redeploy → the new content served, median of 5. */
async function hotRedeploy(): Promise<{ staticEditVisibleMs: number; restarted: boolean }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-hot-'));
  const provider = new LocalProvider({ root });
  try {
    const spec = templateSpec('webapp', 'a calculator');
    let d = await deploy({ spec, provider, verify: false });
    const samples: number[] = [];
    let restarted = false;
    for (let i = 0; i < 5; i++) {
      const marker = `edit-${i}`;
      const next = applyPatch(d.spec, { changes: [{ path: 'style.css', content: `/* ${marker} */\n` + spec.files.find((f) => f.path === 'style.css')!.content }], deletions: [] }).spec;
      const t0 = performance.now();
      const r = await redeploy(d, next, { verify: false });
      restarted ||= r.plan.restart;
      d = r.deployment;
      for (;;) {
        const body = await new Promise<string>((resolve) => http.get(d.url + '/style.css', (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c));
          res.on('end', () => resolve(b));
        }).on('error', () => resolve('')));
        if (body.includes(marker)) break;
      }
      samples.push(performance.now() - t0);
    }
    return { staticEditVisibleMs: Math.round(median(samples)), restarted };
  } finally {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * `data.survivesRedeploy` (issue 21): the built-in notes API on the local runner (sandboxed where bubblewrap works)
 * through the app session, as every front drives it: a note POSTed, then the app edited and redeployed, restarted in
 * place, and deployed into a new sandbox of the same app: true when the note is there after each.
 */
async function dataSurvives(): Promise<{ survivesRedeploy: boolean; afterRedeploy: boolean; afterRestart: boolean; afterNewSandbox: boolean }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-data-'));
  const local = new LocalProvider({ root: path.join(root, 'sandboxes') });
  const session = new Session({ cfg: {}, client: 'bench', local, verify: false, ports: { ask: { unsandboxedRun: async () => true, pastCap: async () => false }, progress: () => undefined } });
  const call = (url: string, method = 'GET', body?: string) => new Promise<string>((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end(body);
  });
  const note = 'bench: kept across the edit loop';
  const has = async (url: string) => (await call(`${url}/api/notes`)).includes(note);
  try {
    const dir = path.join(root, 'notes');
    saveApp(dir, templateSpec('api', 'a notes api'), 'templates');
    const app = session.app('notes');
    app.open(dir);
    const first = await app.deploy({ provider: 'local' });
    await call(`${first.url}/api/notes`, 'POST', JSON.stringify({ text: note }));
    const server = path.join(dir, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited notes</h1>'));
    app.open(dir);
    const edited = await app.deploy();
    const afterRedeploy = edited.kind === 'redeploy' && (await has(edited.url));
    await edited.deployment.process.kill();
    await edited.deployment.process.exited; // the app's end seen, as a front sees it, before the next deploy
    const restarted = await app.deploy();
    const afterRestart = restarted.kind === 'restart' && (await has(restarted.url));
    await app.stop();
    const next = await app.deploy();
    const afterNewSandbox = next.sandboxId !== first.sandboxId && (await has(next.url));
    return { survivesRedeploy: afterRedeploy && afterRestart && afterNewSandbox, afterRedeploy, afterRestart, afterNewSandbox };
  } finally {
    await session.dispose();
    await local.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

function logData(d: Awaited<ReturnType<typeof dataSurvives>>): void {
  log(`\n## The app data folder ($DATA_DIR, local runner): a note of the notes API template after each step`);
  log(`| redeploy (edited) | restart in place | the app's next sandbox | data.survivesRedeploy |\n|---|---|---|---|\n| ${d.afterRedeploy} | ${d.afterRestart} | ${d.afterNewSandbox} | ${d.survivesRedeploy} |`);
}

/**
 * The verification step on the local runner (templates): health passed → verified. Cold: a new verifier's first
 * check (loading playwright-core and starting the browser); warm: later checks with the browser running, median of 5.
 */
async function verifyBench(): Promise<{ coldMs: number; webappMs: number; reactMs: number; webappSamples: number[]; reactSamples: number[]; browser: string }> {
  const browser = findBrowser();
  if (!browser.path) throw new Error(`the verify bench needs a browser: ${browser.reason}`);
  const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-bench-verify-'));
  // The user's dependency cache, as a later deploy of the react stack would have it (secondReady builds it too).
  const provider = new LocalProvider({ root });
  const verifier = new Verifier({ browserPath: browser.path });
  const warm = async (d: { url: string; spec: AppSpec }) => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await verifier.verify({ url: d.url, spec: d.spec });
      if (r.state !== 'verified') throw new Error(`${d.spec.appType} not verified: ${r.problems.map((p) => p.message).join(' ')}`);
      samples.push(r.ms);
    }
    return samples;
  };
  try {
    const webapp = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider, verify: false });
    const cold = await verifier.verify({ url: webapp.url, spec: webapp.spec });
    if (cold.state !== 'verified') throw new Error(`webapp not verified: ${cold.problems.map((p) => p.message).join(' ')}`);
    const webappSamples = await warm(webapp);
    const react = await deploy({ spec: templateSpec('react', 'a counter'), provider, verify: false, readyTimeoutMs: 120_000 });
    const reactSamples = await warm(react);
    return { coldMs: cold.ms, webappMs: median(webappSamples), reactMs: median(reactSamples), webappSamples, reactSamples, browser: browser.path };
  } finally {
    await verifier.close();
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

function logVerify(v: Awaited<ReturnType<typeof verifyBench>>): void {
  log(`\n## Verification (local runner, templates, ${v.browser}): health passed → verified`);
  log('| measure | value | samples | target |\n|---|---|---|---|');
  log(`| verify.coldMs (first check: playwright-core loaded, browser started) | ${v.coldMs} ms | | ≤ 4000 ms |`);
  log(`| verify.webappMs (calculator, warm browser), median of 5 | ${v.webappMs} ms | ${v.webappSamples.join(', ')} ms | ≤ 1500 ms |`);
  log(`| verify.reactMs (react counter on Vite, warm browser), median of 5 | ${v.reactMs} ms | ${v.reactSamples.join(', ')} ms | ≤ 1500 ms |`);
}

/** The later-deploy table (secondReady's stacks) and its bench keys (`local.<stack>SecondReadyMs`, samples, first runs). */
function logSecondReady(second: SecondReadyResult): Record<string, unknown> {
  const local: Record<string, unknown> = { firstRunMs: {} };
  log(`\n## A later deploy of a stack (local runner, sandboxed): \`spawn-app run … --type ${Object.keys(second).map((k) => SECOND_READY[k as SecondReadyStack].args[2]).join('|')}\`, its dependencies from the user's cache, process start → ready`);
  log("Almost all of a React app's time is Vite's own start-up (loading its config and plugins), which the cache does not\nshorten; a Python app's is its server's imports (FastAPI, Streamlit with pandas and altair).\n");
  log(`| app type | median of 3 | samples | first run (builds the cache when missing) | target |\n|---|---|---|---|---|`);
  for (const [k, r] of Object.entries(second) as [SecondReadyStack, NonNullable<SecondReadyResult[SecondReadyStack]>][]) {
    const target = `≤ ${SECOND_READY[k].targetMs} ms`;
    if ('error' in r) {
      local[`${k}SecondReadyMs`] = null;
      log(`| ${SECOND_READY[k].args[2]} | not measured: ${r.error} | | | ${target} |`);
      continue;
    }
    Object.assign(local, { [`${k}SecondReadyMs`]: r.ms, [`${k}Samples`]: r.samples });
    (local.firstRunMs as Record<string, number>)[k] = r.firstRunMs;
    log(`| ${SECOND_READY[k].args[2]} | ${r.ms} ms | ${r.samples.join(', ')} ms | ${r.firstRunMs} ms | ${target} |`);
  }
  return local;
}

function cpuModel(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}`;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'ignore' });
  log(`# Spawn App benchmark — ${cpuModel()}`);
  const result: Record<string, unknown> = { machine: cpuModel() };
  if (only === 'verify') {
    const v = await verifyBench();
    result.verify = { coldMs: v.coldMs, webappMs: v.webappMs, reactMs: v.reactMs };
    logVerify(v);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (only === 'data') {
    const d = await dataSurvives();
    result.data = { survivesRedeploy: d.survivesRedeploy };
    logData(d);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (only === 'fixloop') {
    const f = await fixLoopBench();
    result.iterate = { fixLoopUsd: fixLoopResult(f) };
    logFixLoop(f);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (only === 'python') {
    // The two Python keys alone (local.pythonApiSecondReadyMs, local.streamlitSecondReadyMs), with the load they ran under.
    result.local = logSecondReady(await secondReady(['pythonApi', 'streamlit']));
    result.loadAverage = os.loadavg().map((l) => Number(l.toFixed(2)));
    log(`Load average at the end (1, 5, 15 min): ${(result.loadAverage as number[]).join(', ')}`);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  if (only !== undefined) throw new Error(`--only takes: verify, data, fixloop, python (got ${only})`);

  const dep = await deployComparison();
  result.deploy = dep;
  log(`\n## Deploy to E2B (fake E2B, +${dep.latencyMs} ms per request): ours vs the seed's steps`);
  log('| files | our requests | seed requests | our time | seed time | time ratio |\n|---|---|---|---|---|---|');
  for (const n of ['1', '10', '50']) {
    log(`| ${n} | ${dep.requests[n]} | ${dep.baselineRequests[n]} | ${dep.ms[n]} ms | ${dep.baselineMs[n]} ms | ${(dep.ms[n]! / dep.baselineMs[n]!).toFixed(2)} |`);
  }
  log(`Target: requests constant in file count; time ratio at 10 files ≤ 0.33 (measured ${dep.timeRatio10}).`);
  if (dep.requests['1'] === 3 && dep.requests['10'] === 4 && dep.requests['50'] === 4) {
    log('Our deploy makes one extra `GET /health` request to envd when it writes several files in one batch (3 requests for 1 file, 4 for 10 or 50).');
  }

  const tpl = await templateSaving();
  result.template = tpl;
  log(`\n## Spawn App's E2B template (api app, express pre-installed), fake E2B +50 ms per request, median of 3`);
  log(`| base template (npm install) | spawn-app template | saved | install skipped |\n|---|---|---|---|\n| ${tpl.baseMs} ms | ${tpl.templateMs} ms | ${tpl.savedMs} ms | ${tpl.installSkipped} |`);

  const cold = await confirmToReadyCold();
  (result.deploy as Record<string, unknown>).confirmToReadyColdMs = { webapp: cold.webapp, react: cold.react };
  (result.deploy as Record<string, unknown>).confirmToReadyMs = { webapp: cold.prewarmed.webapp, react: cold.prewarmed.react };
  result.hotReload = { reactHmrUpdateMs: cold.hmrUpdateMs };
  log(`\n## Confirm → ready on E2B's per-stack templates with pre-warm (sandbox created while the model writes; same fake E2B), median of 3`);
  log('| app type | confirm → ready | requests | target |\n|---|---|---|---|');
  for (const t of ['webapp', 'react'] as const) {
    log(`| ${t} | ${cold.prewarmed[t]} ms | ${Object.entries(cold.prewarmed.requests[t]!).map(([k, v]) => `${k} ×${v}`).join(', ')} | ≤ 1000 ms |`);
  }
  log(`\n## Confirm → ready on E2B's per-stack templates, no pre-warm (fake E2B +50 ms per request, create 150 ms, server resumed running), median of 3`);
  log('| app type | confirm → ready | requests |\n|---|---|---|');
  for (const t of ['webapp', 'react'] as const) {
    log(`| ${t} | ${cold[t]} ms | ${Object.entries(cold.requests[t]!).map(([k, v]) => `${k} ×${v}`).join(', ')} |`);
  }
  log(`\n## Hot reload of a React app (same fake E2B): a saved src/App.tsx → Vite's HMR update at a connected client, median of 5`);
  log(`| save → HMR update | restarted | target |\n|---|---|---|\n| ${cold.hmrUpdateMs} ms | false | ≤ 1000 ms |`);

  const st = await streaming();
  result.streaming = st;
  log(`\n## Streaming (fake Anthropic at ~${st.tokensPerSecond} output tokens/s, ${st.outputTokens}-token 3-file app)`);
  log(`| first file event | first complete file | whole stream | target |\n|---|---|---|---|`);
  log(`| ${st.firstFileFraction} of the stream | ${st.firstCompleteFraction} | ${st.totalMs} ms | first file ≤ 0.4 |`);
  const scan = streamScan();
  result.streamScan = scan;
  log(`\n## The stream extractor: a 2 MB tool input (${scan.files} files) in 40-character chunks\n| scan | target |\n|---|---|\n| ${scan.scanMs} ms | ≤ 1000 ms (linear) |`);

  const c = await costs();
  result.cost = c;
  log(`\n## Cost (default model ${c.model}, usage as the fake reports it)\n| app type | input tokens | output tokens | dollars |\n|---|---|---|---|`);
  for (const [t, u] of Object.entries(c.perType)) log(`| ${t} | ${u.inputTokens} | ${u.outputTokens} | ${formatUsd(u.usd)} |`);
  log(`E2B preview: ${formatUsd(c.e2bPerMinuteUsd)} per minute (2 vCPU, 512 MiB, E2B's published price).`);

  const ready = await readiness();
  result.readiness = ready;
  log(`\n## Readiness (local runner)\n| measure | value | target |\n|---|---|---|`);
  log(`| detection lag after the port opens | ${ready.lagMs} ms | ≤ 150 ms |`);
  log(`| crash on start → failure reported | ${ready.crashReportMs} ms | ≤ 1000 ms (seed: 30 s timeout) |`);

  const offline = await offlineReady();
  result.offline = offline;
  log(`\n## End to end: \`spawn-app run "a calculator"\` (templates + local), process start → ready`);
  log(`Sandboxed and forced-off runs interleaved (one of each, ${offline.samples.length === 7 ? 'seven' : offline.samples.length} times):\n`);
  log(`| local runner | median of ${offline.samples.length} | samples | target |\n|---|---|---|---|`);
  log(`| sandboxed (bubblewrap)${offline.sandboxed ? '' : ' — NOT AVAILABLE HERE, fell back'} | ${offline.readyMs} ms | ${offline.samples.join(', ')} ms | ≤ 1500 ms |`);
  log(`| sandbox forced off (SPAWN_APP_SANDBOX=off) | ${offline.unsandboxedMs} ms | ${offline.unsandboxedSamples.join(', ')} ms | |`);
  log(`| **sandbox overhead** | ${offline.sandboxOverheadMs} ms | | ≤ 150 ms |`);

  result.local = logSecondReady(await secondReady());

  const hot = await hotRedeploy();
  result.hotRedeploy = hot;
  log(`\n## Hot redeploy (local runner): a static edit of a running webapp → served`);
  log(`| median of 5 | app restarted | target |\n|---|---|---|\n| ${hot.staticEditVisibleMs} ms | ${hot.restarted} | ≤ 1000 ms |`);

  const v = await verifyBench();
  result.verify = { coldMs: v.coldMs, webappMs: v.webappMs, reactMs: v.reactMs };
  logVerify(v);

  const data = await dataSurvives();
  result.data = { survivesRedeploy: data.survivesRedeploy };
  logData(data);

  const f = await fixLoopBench();
  result.iterate = { fixLoopUsd: fixLoopResult(f) };
  logFixLoop(f);

  const b = await bundle();
  result.bundle = b;
  log(`\n## Bundle\n| measure | value |\n|---|---|`);
  log(`| dist/extension.js (minified) | ${(b.extensionBytes / 1024).toFixed(0)} KB |`);
  log(`| dist/cli.js (minified) | ${(b.cliBytes / 1024).toFixed(0)} KB |`);
  log(`| SDK modules in the bundle (loaded lazily) | ${b.sdkModulesInBundle} |`);
  log(`| an SDK is loaded at activation (static import graph from activate) | ${b.sdkLoadedAtActivation} |`);
  log(`| time to load both SDKs, which activation skips | ${b.sdkLoadMsAvoided} ms |`);

  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  if (write) writeBenchDoc();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
