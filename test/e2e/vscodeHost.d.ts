/** Types for the parts of scripts/vscode-host/host.mjs the e2e tests use. */
declare module '*/vscode-host/host.mjs' {
  import type { Browser, Page } from 'playwright-core';

  export interface HostOptions {
    folder?: string;
    extensionDevelopmentPath?: string;
    extensionTestsPath?: string;
    env?: Record<string, string>;
    settings?: Record<string, unknown>;
    onLog?: (level: string, args: unknown) => void;
    onConsole?: (message: { text(): string }) => void;
    signal?: AbortSignal;
    timeout?: number;
    viewport?: { width: number; height: number };
    keepTemp?: boolean;
    subdomainProxy?: boolean;
  }

  export interface Host {
    url: string;
    port: number;
    folder: string;
    tmp: string;
    page: Page;
    browser: Browser;
    exited: Promise<number>;
    serverLog(): Promise<string>;
    remoteUri(path: string): string;
    close(): Promise<void>;
  }

  export function startHost(options?: HostOptions): Promise<Host>;
  export function runCommand(page: Page, title: string, options?: { timeout?: number }): Promise<void>;
}
