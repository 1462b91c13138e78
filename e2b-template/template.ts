/**
 * Spawn App's E2B template: E2B's base image (Node 20, Python 3.11) with the common dependencies pre-installed in
 * the app folder, so deploys of apps that only need them skip the install step.
 *
 * Build it once with your E2B key (it is not part of the extension bundle):
 *   E2B_API_KEY=… npx tsx e2b-template/template.ts build
 * Print the equivalent Dockerfile (no key needed):
 *   npx tsx e2b-template/template.ts dockerfile
 * Then select it: setting `spawnApp.e2b.template` / env SPAWN_APP_E2B_TEMPLATE = spawn-app-node-python.
 */
import { Template } from 'e2b';
import { SPAWN_TEMPLATE_ALIAS, TEMPLATE_PACKAGES } from '../src/core/sandbox/preinstalled';

export function spawnTemplate() {
  const npm = Object.entries(TEMPLATE_PACKAGES.npm).map(([name, version]) => `${name}@${version}`);
  const pip = Object.entries(TEMPLATE_PACKAGES.pip).map(([name, version]) => `${name}==${version}`);
  let t = Template()
    .fromBaseImage()
    .setWorkdir('/home/user/app')
    .runCmd(`echo '{"private":true}' > package.json`)
    .npmInstall(npm);
  if (pip.length) t = t.pipInstall(pip);
  return t;
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === 'dockerfile') {
    process.stdout.write(Template.toDockerfile(spawnTemplate()) + '\n');
  } else if (cmd === 'build') {
    if (!process.env.E2B_API_KEY) throw new Error('Set E2B_API_KEY to build the template.');
    const info = await Template.build(spawnTemplate(), { alias: SPAWN_TEMPLATE_ALIAS, cpuCount: 1, memoryMB: 2048, onBuildLogs: (l) => console.log(String(l)) });
    console.log(`Built ${SPAWN_TEMPLATE_ALIAS}: ${JSON.stringify(info)}`);
  } else {
    console.error('Usage: tsx e2b-template/template.ts dockerfile|build');
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
