/**
 * The filesystems of Spawn App's per-stack E2B templates, built here the way e2b-template/template.ts builds them
 * (the baseline app in /home/user/app and its packages installed), for the fake E2B's `templateImages` and
 * `templateStarts`. Built once per content and kept in the temp folder, so later runs reuse them.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STACK_TEMPLATES } from '../../src/core/sandbox/preinstalled';
import type { AppType } from '../../src/core/app/spec';
import type { FakeE2BOptions } from '../fakes/fakeE2B';

export type StackType = 'react' | 'webapp' | 'api';

export function stackImage(appType: StackType): string {
  const stack = STACK_TEMPLATES[appType]!;
  const key = createHash('sha256').update(JSON.stringify({ files: stack.baseline.files, npm: stack.npm })).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `spawn-app-test-image-${appType}-${key}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const app = path.join(tmp, 'app');
  for (const f of stack.baseline.files) {
    mkdirSync(path.dirname(path.join(app, f.path)), { recursive: true });
    writeFileSync(path.join(app, f.path), f.content);
  }
  const npm = Object.entries(stack.npm).map(([n, v]) => `${n}@${v}`);
  const env = { ...process.env, npm_config_prefer_offline: 'true' };
  if (stack.baseline.files.some((f) => f.path === 'package.json')) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, env, stdio: 'ignore' });
  } else if (npm.length) {
    writeFileSync(path.join(app, 'package.json'), '{"private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...npm], { cwd: app, env, stdio: 'ignore' });
  }
  writeFileSync(path.join(tmp, '.complete'), '');
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another run made it first
  }
  return dir;
}

/** Fake-E2B options for the given stack templates: their images, and their servers started at create. */
export function stackTemplateOptions(types: readonly StackType[]): Pick<FakeE2BOptions, 'templateImages' | 'templateStarts'> {
  const templateImages: Record<string, string> = {};
  const templateStarts: NonNullable<FakeE2BOptions['templateStarts']> = {};
  for (const t of types) {
    const stack = STACK_TEMPLATES[t as AppType]!;
    templateImages[stack.alias] = stackImage(t);
    // As in the template, except that the fake's edge is plain http on loopback.
    templateStarts[stack.alias] = { cmd: stack.baseline.startCommand, cwd: '/home/user/app', envs: { ...stack.envs, HOST: '127.0.0.1', SPAWN_APP_PUBLIC_PROTOCOL: 'http' }, port: stack.baseline.port };
  }
  return { templateImages, templateStarts };
}
