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
  /** Requests the app declares it answers (the manifest's optional `checks`), run by the verification step. */
  checks?: AppCheck[];
}

/** One request an app declares, and the status it must answer with (core/verify runs them after each deploy). */
export interface AppCheck {
  method: string;
  /** From the app's root, starting with `/`. */
  path: string;
  status: number;
  /** A request body, sent as JSON (`content-type: application/json`). */
  body?: string;
}
