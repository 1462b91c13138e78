/** The preview webview's HTML: strict CSP with a nonce, frame-src narrowed to the sandbox's origin. */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** The origin (scheme://host:port) of a URL, for `frame-src`; undefined when there is no usable URL. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function previewHtml(webview: vscode.Webview, media: vscode.Uri, opts: { appId: string; appName: string; frameOrigin?: string }): string {
  const n = nonce();
  const script = webview.asWebviewUri(media.with({ path: `${media.path}/preview.js` }));
  const style = webview.asWebviewUri(media.with({ path: `${media.path}/preview.css` }));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${n}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `frame-src ${opts.frameOrigin ?? "'none'"}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeAttr(style.toString())}">
  <title>${escapeAttr(opts.appName)}</title>
</head>
<body data-app-id="${escapeAttr(opts.appId)}">
  <header class="toolbar" role="toolbar" aria-label="Preview">
    <button data-action="reload" title="Reload the app">&#x21bb; Reload</button>
    <button data-action="refine" title="Ask Claude for a change to this app">Refine…</button>
    <span class="url" id="url" title="The app's URL"></span>
    <button data-action="openInBrowser" title="Open in your browser">Open in Browser</button>
    <button data-action="openInIntegratedBrowser" title="Open in VS Code's browser">Open in Integrated Browser</button>
    <button data-action="copyUrl" title="Copy the URL">Copy URL</button>
    <button data-action="showLogs" title="Show this sandbox's log">Show Logs</button>
    <button data-action="destroy" class="danger" title="Stop and delete the sandbox">Destroy</button>
  </header>
  <section id="check" class="check" role="status" aria-live="polite" hidden>
    <details id="checkDetails"><summary id="checkLine"></summary><ul id="checkProblems"></ul></details>
    <button data-action="fix" class="primary" title="Send the problems, the app's output and the screenshot to Claude and review its fix">Fix with Claude</button>
  </section>
  <section id="status" class="status" role="status" aria-live="polite">
    <div class="line"><span class="spinner" aria-hidden="true"></span><span id="message">Waiting for the app…</span></div>
    <pre id="detail" class="detail" hidden></pre>
    <div class="actions">
      <button data-action="fix" class="primary" title="Send the failed step's output to Claude and review its fix">Fix with Claude</button>
      <button data-action="retry" class="primary">Retry</button>
      <button data-action="deploy" class="primary">Deploy</button>
      <button data-action="showLogs">Show Logs</button>
      <button data-action="destroy" class="danger">Destroy</button>
    </div>
  </section>
  <iframe id="app" title="${escapeAttr(opts.appName)}" hidden sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads"></iframe>
  <script nonce="${n}" src="${escapeAttr(script.toString())}"></script>
</body>
</html>`;
}
