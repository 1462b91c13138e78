/**
 * Every stack (app type), in one table. To add one: write `src/core/stacks/<id>.ts` exporting a `Stack` (types.ts)
 * and add its line below. Its id then is an `AppType`: the CLI's `--type`, the editor's pick list and the tools
 * offer it, a manifest may name it, the templates generator serves its built-in app and the generation prompt
 * carries its part (test/unit/stackTable.test.ts proves it with a fixture stack).
 */
import type { AppSpecOf } from '../base/appSpec';
import { api } from './api';
import { npmSpec, packageJsonDependencies } from './packageSpec';
import { pythonApi } from './python-api';
import { react } from './react';
import { script } from './script';
import { streamlit } from './streamlit';
import type { Ecosystem, Stack } from './types';
import { webapp } from './webapp';

export const STACKS = {
  webapp,
  react,
  api,
  script,
  'python-api': pythonApi,
  streamlit,
} as const;

/** A registered stack's id. */
export type AppType = keyof typeof STACKS;

/** Every app type, in the table's order (the order pick lists show). */
export const APP_TYPES = Object.keys(STACKS) as [AppType, ...AppType[]];

/** The app type used when nothing says which (a blank manifest, a prompt no stack's keywords match). */
export const DEFAULT_APP_TYPE: AppType = 'webapp';

export function isAppType(value: unknown): value is AppType {
  return typeof value === 'string' && Object.hasOwn(STACKS, value);
}

export function stackOf(appType: AppType): Stack<AppType> {
  return STACKS[appType];
}

type AppSpec = AppSpecOf<AppType>;

/** The app type a prompt most likely asks for, when the caller did not say (shared by the CLI, the MCP server and the chat tools). */
export function guessAppType(prompt: string): AppType {
  const p = prompt.toLowerCase();
  const ranked = APP_TYPES.filter((t) => STACKS[t].guess).sort((a, b) => STACKS[a].guess!.rank - STACKS[b].guess!.rank);
  return ranked.find((t) => STACKS[t].guess!.keywords.test(p)) ?? DEFAULT_APP_TYPE;
}

/** The built-in app of a type for a prompt (the offline `templates` generator). */
export function templateSpec(appType: AppType, prompt: string): AppSpec {
  return stackOf(appType).template(prompt);
}

/** A generated app with its stack's fixed files merged in (unchanged for a stack without a scaffold). */
export function withScaffold(spec: AppSpec): AppSpec {
  return stackOf(spec.appType).scaffold?.(spec) ?? spec;
}

export function ecosystemOf(spec: Pick<AppSpec, 'appType'>): Ecosystem {
  return stackOf(spec.appType).ecosystem;
}

/** Whether the app's own dev server pushes saved changes to the page (HMR), so a preview must not reload it. */
export function servesHotUpdates(spec: Pick<AppSpec, 'appType'>): boolean {
  return stackOf(spec.appType).hotReload;
}

/** What a deploy installs, as `name@version` (a stack installing from package.json: its packages and any extras). */
export function dependenciesOf(spec: Pick<AppSpec, 'appType' | 'files' | 'dependencies'>): string[] {
  if (!stackOf(spec.appType).installsFromPackageJson) return spec.dependencies;
  const fromPackage = packageJsonDependencies(spec) ?? [];
  const names = new Set(fromPackage.map((d) => npmSpec(d).name));
  return [...fromPackage, ...spec.dependencies.filter((d) => !names.has(npmSpec(d).name))];
}

/**
 * Whether a file is sent to the browser as it is: HTML anywhere, `public/` or `static/` folders, and what the
 * stack sends (a react app's `src/`, which Vite bundles; a webapp's scripts other than its server).
 */
export function isClientFile(spec: Pick<AppSpec, 'appType' | 'startCommand'>, p: string): boolean {
  if (/\.html?$/i.test(p)) return true;
  if (/^(?:public|static)\//.test(p)) return true;
  return stackOf(spec.appType).clientFile?.(p, spec) ?? false;
}

export type { Ecosystem, Stack, StackE2bTemplate } from './types';
