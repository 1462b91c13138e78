/**
 * What a stack (an app type) is: every fact the rest of Spawn App asks about one kind of app, in one object. Each
 * stack is one file in this folder implementing `Stack`; `index.ts` lists them in one table.
 */
import type { AppSpecOf } from '../base/appSpec';

/** The package manager a stack's dependencies are installed with. */
export type Ecosystem = 'npm' | 'pip';

/** One of Spawn App's per-stack E2B templates (e2b-template/): a baseline app whose server already runs there. */
export interface StackE2bTemplate<Id extends string = string> {
  /** The E2B template's alias, e.g. `spawn-app-react`. */
  readonly alias: string;
  /** What runs in the template: its files in /home/user/app, start command and port. */
  readonly baseline: AppSpecOf<Id>;
}

/** A stack whose app type is `Id` (its file declares `Stack<'id'>`). */
export interface Stack<Id extends string = string> {
  /** The app type's id, as written in a manifest (`appType`), the CLI's `--type` and the tools' `appType`. */
  readonly id: Id;
  /** For people, in a pick list: "React app" (the editor adds its icon). */
  readonly label: string;
  /** A codicon for the editor's pick list, e.g. `globe`. */
  readonly icon: string;
  /** One line under the label: what the stack is made of. */
  readonly description: string;
  /** An example prompt, shown as a placeholder. */
  readonly example: string;
  /** The stack's part of the generation prompt: what an app of this type must be, one short paragraph. */
  readonly prompt: string;
  /** Words in a prompt that ask for this stack, when the caller did not say which (`rank`: lower is tried first). */
  readonly guess?: { readonly keywords: RegExp; readonly rank: number };
  /** Which package manager installs its dependencies. */
  readonly ecosystem: Ecosystem;
  /** The paths a user most wants to see first, best first. */
  readonly mainFiles: readonly string[];
  /** The built-in app for a prompt (the offline `templates` generator; no key needed). */
  template(prompt: string): AppSpecOf<Id>;
  /**
   * The stack's fixed files merged into a generated app (the model is told not to write them), when the stack
   * has a scaffold; the spec is returned unchanged otherwise.
   */
  scaffold?(spec: AppSpecOf<Id>): AppSpecOf<Id>;
  /**
   * Dependencies installed from the app's own package.json (its packages are the declared list, a change to it
   * means an install, and its scripts are checked like start commands); else from the spec's `dependencies`.
   */
  readonly installsFromPackageJson?: boolean;
  /** Packages the stack always installs, at exact versions (the local dependency cache keeps them warm). */
  readonly packages?: Readonly<Record<string, string>>;
  /**
   * Extra packages an app of this stack may declare beyond `packages` (names). When set, the validator refuses any
   * other, and a `packages` entry at another version than its pin (the scaffold's pins are not the model's to bend).
   */
  readonly allowedExtras?: readonly string[];
  /** The stack's own files a valid app has (a missing one is a warning: the stack needs it to start). */
  readonly requiredFiles?: readonly string[];
  /** Hot reload: the dev server pushes saved changes to the page itself, so a preview must not reload it. */
  readonly hotReload: boolean;
  /**
   * Whether a changed file is loaded by the running process (a change restarts the app). Absent: code files
   * (`.js`, `.ts`, `.py`, `.json`) are; a manifest or a file the start command names always is.
   */
  serverFile?(path: string, spec: AppSpecOf<Id>): boolean;
  /** Whether a file is sent to the browser as it is (secrets read there leak). HTML and public/ always are. */
  clientFile?(path: string, spec: Pick<AppSpecOf<Id>, 'startCommand'>): boolean;
  /** Spawn App's E2B template for this stack, when it has one. */
  readonly e2b?: StackE2bTemplate<Id>;
}
