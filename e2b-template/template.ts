/**
 * Spawn App's E2B templates (Template v2 builder of the `e2b` SDK). They are not part of the extension bundle.
 *
 * - `spawn-app-node-python`: E2B's base image (Node 20, Python 3.11) with the common dependencies pre-installed in
 *   the app folder, so deploys of apps that only need them skip the install step.
 * - One template per stack (`spawn-app-react`, `spawn-app-webapp`, `spawn-app-api`; Python: `spawn-app-python-api`,
 *   `spawn-app-streamlit`): Node 22 (Python 3.11 for the Python stacks), the stack's pinned dependencies and a baseline
 *   app in /home/user/app, and its server started at build time
 *   (`setStartCmd(…, waitForPort(3000))`), so a sandbox from it serves at once. A deploy writes only the files that
 *   differ into the watched folder and waits for the health check: no install, no start (src/core/deploy.ts
 *   deployInto). Select them with `spawnApp.e2bTemplate` / SPAWN_APP_E2B_TEMPLATE = `spawn-app` (script apps then
 *   use spawn-app-node-python).
 *
 * Build with your E2B key:        E2B_API_KEY=… npx tsx e2b-template/template.ts build [all|NAME]
 * Print a Dockerfile (no key):    npx tsx e2b-template/template.ts dockerfile [NAME]
 */
import { Template, waitForPort } from 'e2b';
import type { TemplateBuilder, TemplateClass } from 'e2b';
import { SPAWN_TEMPLATE_ALIAS, STACK_TEMPLATES, TEMPLATE_PACKAGES } from '../src/core/sandbox/preinstalled';
import type { StackTemplate } from '../src/core/sandbox/preinstalled';

const APP_DIR = '/home/user/app';

export function spawnTemplate() {
  const npm = Object.entries(TEMPLATE_PACKAGES.npm).map(([name, version]) => `${name}@${version}`);
  const pip = Object.entries(TEMPLATE_PACKAGES.pip).map(([name, version]) => `${name}==${version}`);
  let t = Template()
    .fromBaseImage()
    .setWorkdir(APP_DIR)
    .runCmd(`echo '{"private":true}' > package.json`)
    .npmInstall(npm);
  if (pip.length) t = t.pipInstall(pip);
  return t;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A stack's template: its baseline app written into the app folder, its packages installed, its server started. */
export function stackTemplate(stack: StackTemplate): TemplateClass {
  const writes = stack.baseline.files.map((f) => {
    const dir = f.path.includes('/') ? `mkdir -p ${quote(f.path.slice(0, f.path.lastIndexOf('/')))} && ` : '';
    return `${dir}echo ${Buffer.from(f.content).toString('base64')} | base64 -d > ${quote(f.path)}`;
  });
  const hasPackageJson = stack.baseline.files.some((f) => f.path === 'package.json');
  const npm = Object.entries(stack.npm).map(([name, version]) => `${name}@${version}`);
  const pip = Object.entries(stack.pip).map(([name, version]) => `${name}==${version}`);
  const base = pip.length ? Template().fromPythonImage('3.11') : Template().fromNodeImage('22-slim');
  let t: TemplateBuilder = base.setWorkdir(APP_DIR).runCmd(writes);
  if (pip.length) t = t.pipInstall(pip);
  if (hasPackageJson) t = t.runCmd('npm install --no-audit --no-fund --loglevel=error');
  else if (npm.length) t = t.runCmd(`echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error ${npm.map(quote).join(' ')}`);
  const envs = Object.entries(stack.envs).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
  return t.setStartCmd(`cd ${APP_DIR} && ${envs} ${stack.baseline.startCommand}`, waitForPort(stack.baseline.port));
}

function templates(): Record<string, TemplateClass> {
  const out: Record<string, TemplateClass> = { [SPAWN_TEMPLATE_ALIAS]: spawnTemplate() };
  for (const stack of Object.values(STACK_TEMPLATES)) if (stack) out[stack.alias] = stackTemplate(stack);
  return out;
}

async function main(): Promise<void> {
  const [cmd, which] = process.argv.slice(2);
  const all = templates();
  const names = !which || which === 'all' ? Object.keys(all) : [which];
  for (const n of names) if (!all[n]) throw new Error(`Unknown template "${n}"; one of: ${Object.keys(all).join(', ')}.`);
  if (cmd === 'dockerfile') {
    for (const n of names) process.stdout.write(`# ${n}\n${Template.toDockerfile(all[n]!)}\n`);
  } else if (cmd === 'build') {
    if (!process.env.E2B_API_KEY) throw new Error('Set E2B_API_KEY to build the templates.');
    for (const n of names) {
      const info = await Template.build(all[n]!, { alias: n, cpuCount: n === SPAWN_TEMPLATE_ALIAS ? 1 : 2, memoryMB: 2048, onBuildLogs: (l) => console.log(String(l)) });
      console.log(`Built ${n}: ${JSON.stringify(info)}`);
    }
  } else {
    console.error('Usage: tsx e2b-template/template.ts dockerfile|build [all|NAME]');
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
