/**
 * The extension's one app session (core/session): built by the composition root (src/extension.ts) with the
 * extension's ports, and handed to the services that need a rule the session owns (providers, the cap, the prompt
 * and generator checks, trust, where an app runs, pause and resume). The session reads its configuration from here:
 * `current()` gives it the settings and keys as they are now (they change while the window runs) before each use.
 */
import type { CoreConfig } from '../../core/base/config';
import type { SessionPorts } from '../../core/session';
import { Session } from '../../core/session';
import type { LocalProviderOptions } from '../../core/sandbox/local/provider';

export interface WindowSessionOptions {
  /** The core settings now (settings + keys from SecretStorage). */
  config: () => Promise<CoreConfig>;
  ports: SessionPorts;
  /** The local runner's options (its network settings are read at each run). */
  local: LocalProviderOptions;
  /** Today's cap (`spawnApp.budgetUsd`), read at each check. */
  budgetUsd: () => number;
  /** Fix rounds after a failed verification (`spawnApp.autoVerifyFix`), read at each deploy; undefined: the session's default. */
  fixRounds?: () => number | undefined;
}

export class WindowSession {
  readonly session: Session;

  constructor(private readonly opts: WindowSessionOptions) {
    // Configured before each use (current()); until then, no keys: nothing paid can start from this default.
    // Each deploy passes the window's verifier (its one browser, DeployRequest.verify): the session makes none.
    this.session = new Session({ cfg: {}, ports: opts.ports, client: 'vscode', local: opts.local, budgetUsd: opts.budgetUsd, verify: false, fixRounds: opts.fixRounds });
  }

  /** The session with the settings and keys as they are now. */
  async current(): Promise<Session> {
    this.session.configure(await this.opts.config());
    return this.session;
  }
}
