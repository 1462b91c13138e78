/**
 * Loaded by mocha (.mocharc.json, `npm run test:node`): while a test of test/node runs (the pure tests, see
 * docs/testing.md), starting a child process or opening a socket throws at once, naming the call, so a test that
 * needs one goes to test/process instead. Tests elsewhere are untouched.
 */
import childProcess from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const pureDir = `${path.sep}test${path.sep}node${path.sep}`;
const targets: [object, string[], string][] = [
  [childProcess, ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'child_process'],
  [net.Server.prototype, ['listen'], 'net.Server'],
  [net.Socket.prototype, ['connect'], 'net.Socket'],
];
let saved: [object, string, PropertyDescriptor][] = [];

function forbid(): void {
  for (const [owner, names, where] of targets) {
    for (const name of names) {
      saved.push([owner, name, Object.getOwnPropertyDescriptor(owner, name)!]);
      Object.defineProperty(owner, name, {
        configurable: true,
        writable: true,
        value: () => {
          throw new Error(`${where}.${name} in a test of test/node, which holds pure tests (no child process, no socket): move the test to test/process`);
        },
      });
    }
  }
}

function restore(): void {
  for (const [owner, name, descriptor] of saved.reverse()) Object.defineProperty(owner, name, descriptor);
  saved = [];
}

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    if (this.currentTest?.file?.includes(pureDir)) forbid();
  },
  afterEach(): void {
    restore();
  },
};
