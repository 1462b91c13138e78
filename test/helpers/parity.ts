/**
 * The parity scenarios of issue 19: one table of what every front decides, run by test/process/parity.test.ts (the
 * built CLI, the MCP server's tools) and test/integration/parity.test.ts (the extension's own commands and
 * DeployService in VS Code). Each front records its decision in the table's words; both files assert the table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SECRET = 'wk-live-7f3a9c1e5b2d4f60';
export const VALUE_IN_FILE = /The value of the secret WEATHER_API_KEY is written into the file/;

export const PARITY = {
  /**
   * Trust, on a local runner that does not sandbox: a template generated here runs without the unsandboxed question
   * (`ran`); the same app edited is asked about (or refused) first (`asked`).
   */
  trust: { template: 'ran', edited: 'asked' },
  /** Past today's cap, a deploy to E2B: the front is asked about this (its no refuses), and E2B sees no request. */
  cap: { asked: ['E2B sandbox'], e2bRequests: {} },
  /** A secret's value written into a file: this finding is shown before any question, the value never. */
  secret: { rule: 'secret.value_in_file', path: 'config.js' },
  /** A sandbox whose price is unknown: its cost is null, said in words, never $0. */
  unknownPrice: { usd: null, words: /(price|cost) unknown/, never: /\$0\b/ },
  /** Deploy; the app exits; deploy again; its sandbox destroyed; deploy again. */
  restart: ['Started', 'Restarted in place', 'Started'],
} as const;

/** Today's spend past any small cap, as a spend record. */
export const pastCapRecord = () => ({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true });

/** The weather app's file that holds the secret's value (a warning: it never blocks, so it must show before the ask). */
export const WEATHER_CONFIG = `module.exports = { key: '${SECRET}' };\n`;

/** An app's server that answers "up", and exits (code 3) when asked for /exit. */
export const STOPPER_SERVER = `require('http').createServer((q, s) => { s.end(q.url === '/exit' ? 'bye' : 'up'); if (q.url === '/exit') setImmediate(() => process.exit(3)); }).listen(process.env.PORT, process.env.HOST);\n`;

/** An app folder whose config.js holds the secret's value. */
export function weatherFolder(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', title: 'Weather', startCommand: 'node server.js', dependencies: [], port: 3000 }));
  writeFileSync(path.join(dir, 'server.js'), `require('http').createServer((q, s) => s.end('up')).listen(process.env.PORT);\n`);
  writeFileSync(path.join(dir, 'config.js'), WEATHER_CONFIG);
  return dir;
}

/** The stopper app as a folder. */
export function stopperFolder(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'user' }));
  writeFileSync(path.join(dir, 'server.js'), STOPPER_SERVER);
  return dir;
}
