/**
 * The app spec's type, for any set of app types: stacks (which define the app types) build specs of their own
 * type, and app/spec.ts names the spec of a registered type (`AppSpec`).
 */

export interface AppFile {
  path: string;
  content: string;
}

export interface AppSpecOf<T extends string> {
  appType: T;
  files: AppFile[];
  startCommand: string;
  dependencies: string[];
  port: number;
  title?: string;
  description?: string;
}
