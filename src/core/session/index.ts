/**
 * The app session: one object owns an app's life for every front (the CLI, the MCP server, the extension, its chat
 * tools). A front builds one `Session` and supplies only its ports; it never re-decides a rule the session owns.
 *
 * Ports (ports.ts, `SessionPorts`), all a front implements:
 * - `ask.unsandboxedRun(q)`: code not ours would run unsandboxed on this machine (CLI: a TTY prompt or `--yes`;
 *   MCP: refusal unless `--allow-local-unsandboxed`; extension and chat tools: their dialog). false → cancelled.
 * - `ask.pastCap(q)`: a paid call (model, billed sandbox, pre-warm) would start past today's cap (CLI, MCP: false,
 *   the refusal sentence `q.refusal`; extension: its dialog).
 * - `ask.changedApproval?(q)`: the start command or dependencies changed since the approval (left out by the
 *   headless fronts: the change goes on).
 * - `ask.deploy?(q)`: a front that confirms every deploy (the extension's modal): before each first deploy and each
 *   update or restart that runs something not approved (approval.ts); it stands in for the two above on a deploy.
 * - `spend`: where today's spend is kept (`spendFile(env)` for the CLI and MCP; the extension's globalState).
 * - `progress(event, appId)`: pipeline events (SpawnEvent) plus `notice` (a template stands in), `prewarm`,
 *   `budget` (warning / reached / paused), `isolation`, `warning`; every string redacted of the app's secrets.
 * - `logger`.
 *
 * `Session` (session.ts, one per front process): `new Session({ cfg, ports, client, local?, budgetUsd?, secrets?,
 * provider?, prewarm?, meterMs?, chatModel?, verify?, fixRounds? })`; `app(id, hint?)` / `newApp(hint)` + `name(app, id)` → AppSession;
 * `checkPrompt`, `generatorFor`, `validate` (with the secrets), `readFolder`, `redact` / `redactError`,
 * `budgetText`, `providerFor`, `outlivesProcess`, `onThisMachine`, `where` (the one sentence), `localIsolation`;
 * every sandbox of the user: `listSandboxes` (with cost: unknown stays unknown, paused time not billed),
 * `sandboxInfo`, `destroySandbox`, `destroyAllSandboxes`, `pauseSandbox`, `resumeSandbox`; `dependencyCache`;
 * `close(keep?)` (its apps' sandboxes, except kept ones) and `dispose()` (the local runner's too).
 * For a front whose settings change while it runs (the extension): `configure(cfg)`, `budgetUsd` as a function
 * (read at each check), `generator(choice, chatModel?)` (it streams a generation itself), `refiner(chatModel?)`,
 * `templateNotice`, `runsUnsandboxed(provider)`, `pastCap`, `resumeSandbox(id, timeoutMs?)`.
 *
 * `AppSession` (appSession.ts, one app): `generate({ prompt, appType?, generator?, deployTo?, signal })` (prompt
 * checks, cap, pre-warm for the deploy that follows, the template notice, trust marked for its own templates);
 * `open(dir)` / `setSpec(spec)` / `save(dir)`; `deploy({ provider?, signal, appName?, metadata?, metered?, fix? })` (first
 * deploy vs update in place vs restart in place, the trust and changed-approval asks, the cap before a new sandbox,
 * pre-warm take/extend/discard, secrets to the app's processes, its sandbox on the session's `meter` (SpendMeter: one for
 * every front; `meter.add(source)` for a front that lists its own sandboxes), which pauses at the cap; `onEvent`: this
 * deploy's events, `confirmed`, `verify`; after a failed verification, up to `fix` rounds (default the session's
 * `fixRounds`: 1 with a key, 0 without) of the fix loop: the problems, output, prompt and screenshot to Claude, its
 * patch as the app's new files, redeployed and verified again, each round a `fix` event with its cost, the cap checked
 * before each; `Deployed.fixes`); `refine` (with the prompt cache's base, as the fix loop); `pause`, `resume`, `stop`,
 * `keepRunning`, `close`, `discardPrewarm`; `ended()`, `running()`, `listed()`. For a front with its own model of
 * sandboxes and its own editor (the extension): `attach(current)` (the sandbox it knows of), `nextKind()`,
 * `useSecrets` (the app's own), `prewarmFor(provider, appType, o)` (never past the cap), `propose` (a refine or fix
 * not written), `fixLoop(cap)`, `fixed()`, `approval`.
 */
export type { AskPort, ChangedApproval, DeployQuestion, PastCap, SessionEvent, SessionPorts, UnsandboxedRun } from './ports';
export type { MeteredSandbox, SpendMeter } from './spendMeter';
export type { Approval } from './approval';
export type { SessionOptions, ListedSandbox, ProviderFailure } from './session';
export { budgetUsdFrom, MemorySpend, readSecrets, Session, spendFile } from './session';
export type { Attached, Deployed, DeployPlan, DeployRequest, Generated, GenerateRequest, PrewarmFor, ProposeRequest, Refined } from './appSession';
// The fix loop after a failed verification (AppSession.deploy runs it): its rounds, why it stopped, and its lines.
export type { FixOutcome, FixRound, FixStop } from '../base/fixOutcome';
export { fixLines } from '../base/fixOutcome';
export { AppSession } from './appSession';
// Front-neutral helpers a front needs with the session's results (validation's verdict and words, the manifest's name).
export { formatFinding, hasErrors, MANIFEST_NAME } from '../validate';
// The app types (the stacks' table) and the guess from a prompt, the generators' and providers' choices (their tables),
// for a front's own arguments.
export { APP_TYPES, guessAppType, isAppType } from '../stacks';
export type { GeneratorChoice, ProviderChoice } from './session';
export { generatorChoices } from '../generate';
export { PROVIDER_CHOICES } from '../sandbox';
// The provider table (labels, billed, on this machine, can pause) and the note of a generation a plan includes: data a
// front shows, no decision.
export { providerInfo } from '../sandbox/providers';
// Where an app runs and whether to warn (the provider table's sentence and the trust rule's decision): every front's words.
export type { CodeOrigin, RunsHere } from '../tools/trust';
export { codeOrigin, runsHere } from '../tools/trust';
export { INCLUDED_IN_PLAN } from '../generate/chatModelGenerator';
// The metadata tag every sandbox of Spawn App carries, and the sentence on E2B's lifetime cap: words and data a front shows.
export { METADATA_TAG } from '../sandbox/types';
export { E2B_LIFETIME_CAP } from '../sandbox/e2b/e2bCaps';
// What a deploy would install on a provider (the deploy dialog shows it before the yes).
export { installCommand } from '../deploy/deploy';
// What the verification step found, in words (a deploy's `verify` events, `Deployed.deployment.verification`).
export type { VerifyProblem, VerifyResult } from '../verify';
export { formatProblem, NOT_CHECKED, verifyLines, verifySummary, verifyWord } from '../verify';
// A front's own verifier (its one browser), for SessionOptions.verify or the pipeline it still runs itself.
export { Verifier } from '../verify';
// The app data folder ($DATA_DIR): the variable's name, an app's data key (the extension's own deploys tag their
// sandboxes with it until they go through AppSession), its size in words (`dataLabel`: in every listing), and the E2B
// data volume option checked (`dataVolumeName`: `--data-volume`, `spawnApp.e2bDataVolume`).
export { appDataKey, DATA_DIR_ENV, DATA_KEY_METADATA, dataLabel, dataVolumeName, formatDataSize } from '../sandbox/dataDir';
export type { DataExport } from '../deploy/appData';
