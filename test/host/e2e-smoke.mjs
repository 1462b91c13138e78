// Proves scripts/vscode-host/host.mjs for e2e tests: opens the workbench with the fixture extension (no test
// payload), runs its command from the command palette like a user, waits for its notification, reads its log
// line from the page console, and takes a screenshot.  node test/host/e2e-smoke.mjs  → exit 0 when it all worked.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';

const fixture = fileURLToPath(new URL('fixture', import.meta.url));
const results = fileURLToPath(new URL('../../test-results', import.meta.url));
const screenshot = `${results}/host-e2e-smoke.png`;
const pageConsole = [];
const host = await startHost({
  extensionDevelopmentPath: fixture,
  // Outside a test run the extension host's console.log arrives here as "%c[Extension Host] %c<text>".
  onConsole: (message) => pageConsole.push(message.text()),
});
try {
  const { page } = host;
  await runCommand(page, 'Host Fixture: Add Two Numbers');
  await page.waitForSelector('.notification-toast :text("Host Fixture: 2 + 3 = 5")', { timeout: 15_000 });
  assert.ok(pageConsole.some((line) => line.includes('[Extension Host]') && line.includes('host fixture: 2 + 3')),
    `no extension host log line in the page console:\n${pageConsole.join('\n')}`);
  await mkdir(results, { recursive: true });
  await host.page.screenshot({ path: screenshot });
  console.log(`ok: ran the command from the palette, saw its notification and log line; screenshot ${screenshot}`);
} catch (err) {
  await mkdir(results, { recursive: true });
  await host.page.screenshot({ path: `${results}/host-e2e-smoke-failed.png` });
  throw err;
} finally {
  await host.close();
}
