/**
 * `run` and `deploy` after the session deployed the app: with --detach it is left running; else it is served until
 * Ctrl-C (then destroyed), until it ends by itself (said in one sentence), or until the session paused it at the cap.
 */
import { writeFileSync } from 'node:fs';
import { isCancelled, messageOf, SpawnError } from '../core/base/errors';
import type { AppSession, Deployed, ProviderChoice } from '../core/session';
import { NOT_CHECKED } from '../core/session';
import { usage } from './args';
import type { Ctx } from './context';
import type { Interrupt } from './signals';

/** The provider choice of run and deploy; --detach needs one whose sandboxes outlive this process. */
export function checkDetach(ctx: Ctx): ProviderChoice {
  const choice = ctx.opts.provider ?? 'auto';
  if (ctx.opts.detach && !ctx.session.outlivesProcess(choice)) {
    throw usage('--detach needs a remote (E2B) sandbox: local sandboxes live only as long as spawn-app runs.');
  }
  return choice;
}

/** Deploys the session's app and serves it (or leaves it running with --detach); shared by run and deploy. */
export async function deployAndServe(app: AppSession, choice: ProviderChoice, ctx: Ctx, stop: Interrupt): Promise<number> {
  // A billed sandbox's running seconds count against today's budget while this process serves it.
  const deployed = await app.deploy({ provider: choice, signal: stop.controller.signal, metered: !ctx.opts.detach }).catch((err: unknown) => {
    // Stopped after `ready` (while the app was being verified) is a stop like one while it is served: exit 0.
    if (ctx.render.ready && isCancelled(err)) return undefined;
    throw err;
  });
  if (!deployed) {
    ctx.render.say('Stopped.');
    return 0;
  }
  if (ctx.opts.screenshot !== undefined) writeScreenshot(deployed, ctx.opts.screenshot, ctx);
  const served = await detachOrServe(app, deployed, ctx, stop);
  return served === 0 && deployed.deployment.verification?.state === 'problems' ? EXIT_NOT_VERIFIED : served;
}

/** The exit code of an app that runs but failed its verification (docs/cli.md). */
const EXIT_NOT_VERIFIED = 6;

/** --screenshot FILE: the browser's picture of the app (1280×800 PNG), or one sentence why there is none. */
function writeScreenshot({ deployment }: Deployed, file: string, ctx: Ctx): void {
  const shot = deployment.verification?.screenshots?.wide;
  if (!shot) {
    ctx.io.err(`Warning: no screenshot written to ${file}. ${deployment.verification?.note ?? NOT_CHECKED}`);
    return;
  }
  try {
    writeFileSync(file, shot);
  } catch (err) {
    ctx.io.err(`Warning: could not write the screenshot to ${file} (${(err as NodeJS.ErrnoException).code ?? messageOf(err)}).`);
  }
}

async function detachOrServe(app: AppSession, deployed: Deployed, ctx: Ctx, stop: Interrupt): Promise<number> {
  if (ctx.opts.detach) {
    ctx.render.say(`Left running (destroy with: spawn-app destroy ${deployed.sandboxId}).`);
    app.keepRunning();
    return 0;
  }
  ctx.render.say(`Serving; press Ctrl-C to stop and ${deployed.onStop}.`);
  const ended = await Promise.race([stop.stopped.then(() => 'stopped' as const), app.ended()]);
  if (ended === 'exited') return appEnded(app, deployed, ctx);
  if (ended === 'capped') return 0; // paused, not deleted: the session said so
  ctx.render.say('Stopping…');
  await app.stop();
  return 0;
}

/**
 * The served app's process ended without a Ctrl-C: either its sandbox was destroyed from outside (spawn-app
 * destroy, an MCP client, the editor), said in one sentence (exit 5), or the app exited by itself, said too.
 */
async function appEnded(app: AppSession, { deployment }: Deployed, ctx: Ctx): Promise<number> {
  const id = deployment.sandbox.id;
  const { exitCode } = await deployment.process.exited;
  // undefined: not listed; null: the provider could not say.
  let found = await app.listed();
  // A local destroy from another process kills the app's process group first and removes its record after that:
  // an app ended by a signal may be listed a moment longer, so look again (for a few seconds at most).
  for (const deadline = Date.now() + 5000; found && found.state !== 'paused' && exitCode === -1 && Date.now() < deadline; found = await app.listed()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await app.stop().catch(() => undefined);
  const endAt = deployment.sandbox.info().endAt;
  if (found === undefined && endAt !== undefined && Date.now() >= endAt) throw new SpawnError('deploy.not_found', `Sandbox ${id} ended at its timeout, so the app stopped.`);
  if (found === undefined) throw new SpawnError('deploy.not_found', `Sandbox ${id} was destroyed by another process (spawn-app destroy, an MCP client or the editor), so the app stopped.`);
  ctx.render.say(
    found?.state === 'paused'
      ? `Sandbox ${id} was paused (at its timeout, or by another process), so the app stopped; the sandbox is destroyed.`
      : `The app exited by itself${exitCode === null ? '' : ` (exit code ${exitCode})`}; sandbox ${id} is destroyed.`,
  );
  return 0;
}
