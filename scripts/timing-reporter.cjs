// A mocha reporter for measuring the suites (docs/testing.md, "What `npm test` costs"): the spec reporter's output,
// and at the end each test file's wall seconds and CPU seconds (this process and its reaped children, from
// /proc/self/stat: steadier than wall time on a shared machine) and the slowest tests. SPAWN_APP_TIMING_OUT=FILE
// also writes them there as JSON.
//   node node_modules/mocha/bin/mocha.js --no-config -n import=tsx --reporter scripts/timing-reporter.cjs …
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const TICK = 100; // USER_HZ on Linux

/** CPU seconds of this process and its reaped children (0 where /proc is missing). */
function cpu() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // fields 14-17 (utime stime cutime cstime) are 11-14 after the "(comm) " split
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return 0;
  }
}

class TimingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const files = new Map();
    const tests = [];
    let current;
    const close = () => {
      if (!current) return;
      const f = files.get(current.file) ?? { wall: 0, cpu: 0, tests: 0 };
      f.wall += (Date.now() - current.t0) / 1000;
      f.cpu += cpu() - current.c0;
      files.set(current.file, f);
      current = undefined;
    };
    const at = (file) => {
      if (current?.file === file) return;
      close();
      current = { file, t0: Date.now(), c0: cpu() };
    };
    runner.on('suite', (s) => s.file && at(path.relative(process.cwd(), s.file)));
    runner.on('test end', (t) => {
      const file = t.file ? path.relative(process.cwd(), t.file) : '?';
      tests.push({ file, title: t.fullTitle(), ms: t.duration ?? 0, state: t.state ?? 'pending' });
      const f = files.get(file);
      if (f) f.tests++;
      else files.set(file, { wall: 0, cpu: 0, tests: 1 });
    });
    runner.once('end', () => {
      close();
      const rows = [...files].map(([file, f]) => ({ file, ...f })).sort((a, b) => b.wall - a.wall);
      const out = [];
      out.push('\nfile                                         tests   wall s    cpu s');
      for (const r of rows) out.push(`${r.file.padEnd(44)} ${String(r.tests).padStart(5)} ${r.wall.toFixed(1).padStart(8)} ${r.cpu.toFixed(1).padStart(8)}`);
      const sum = (k) => rows.reduce((n, r) => n + r[k], 0);
      out.push(`${'total'.padEnd(44)} ${String(sum('tests')).padStart(5)} ${sum('wall').toFixed(1).padStart(8)} ${sum('cpu').toFixed(1).padStart(8)}`);
      out.push('\nslowest tests (ms):');
      for (const t of [...tests].sort((a, b) => b.ms - a.ms).slice(0, 40)) out.push(`${String(t.ms).padStart(7)}  ${t.file}: ${t.title}`);
      process.stdout.write(out.join('\n') + '\n');
      if (process.env.SPAWN_APP_TIMING_OUT) fs.writeFileSync(process.env.SPAWN_APP_TIMING_OUT, JSON.stringify({ files: rows, tests }, null, 1));
    });
  }
}

module.exports = TimingReporter;
