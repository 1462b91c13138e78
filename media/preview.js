// The preview webview: toolbar + status line + the app's iframe. Talks to the extension only through the typed
// messages of src/vscode/webview/messages.ts, after sending "ready".
(function () {
  const vscode = acquireVsCodeApi();
  const appId = document.body.dataset.appId;
  vscode.setState({ appId });

  const frame = document.getElementById('app');
  const status = document.getElementById('status');
  const message = document.getElementById('message');
  const detail = document.getElementById('detail');
  const url = document.getElementById('url');
  const check = document.getElementById('check');
  const checkLine = document.getElementById('checkLine');
  const checkProblems = document.getElementById('checkProblems');
  let state;

  function render(s) {
    const previous = state;
    state = s;
    document.body.dataset.status = s.status;
    for (const b of document.querySelectorAll('[data-action]')) {
      b.hidden = !s.actions.includes(b.dataset.action);
    }
    url.textContent = s.displayUrl || '';
    const toolbar = document.querySelector('.toolbar');
    toolbar.hidden = !s.displayUrl && !Array.from(toolbar.querySelectorAll('[data-action]')).some((b) => !b.hidden);
    const showApp = s.status === 'running' && !!s.url;
    // What the verification step found: a line above the app (the problems listed under it).
    check.hidden = !(showApp && s.check);
    if (s.check) {
      check.dataset.state = s.check.problems.length ? 'problems' : s.check.state;
      checkLine.textContent = (s.check.problems.length ? '\u26a0 ' : s.check.state === 'unchecked' ? '' : '\u2713 ') + s.check.line;
      checkProblems.replaceChildren(...s.check.problems.map((p) => Object.assign(document.createElement('li'), { textContent: p })));
      checkProblems.hidden = s.check.problems.length === 0;
    }
    status.hidden = showApp;
    message.textContent = s.error ? s.error.message : s.message || '';
    detail.hidden = !(s.error && s.error.detail);
    detail.textContent = (s.error && s.error.detail) || '';
    frame.hidden = !showApp;
    if (showApp) {
      // A new URL, or the app came back after a redeploy: load it (again).
      if (frame.getAttribute('src') !== s.url || (previous && previous.status !== 'running')) frame.src = s.url;
    } else if (frame.getAttribute('src')) {
      frame.removeAttribute('src');
    }
  }

  function reload() {
    if (state && state.url && state.status === 'running') frame.src = state.url;
  }

  /**
   * Only the extension talks to us, and its messages come through VS Code's webview host: the window we are a frame
   * of, of our own origin. (VS Code deletes `window.parent` in webviews, so we ask the sender whether we are one of
   * its frames.) The app's frame and every frame nested inside it can still post to us (`parent.parent`, `top`…):
   * none of them has us as a child, so whatever they send is ignored.
   */
  function fromHost(event) {
    const sender = event.source;
    if (!sender || event.origin !== window.origin) return false;
    try {
      for (let i = 0; i < sender.length; i++) if (sender[i] === window) return true;
    } catch {
      return false;
    }
    return false;
  }

  window.addEventListener('message', (event) => {
    if (!fromHost(event)) return;
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'state' && msg.state) render(msg.state);
    else if (msg.type === 'reload') reload();
  });

  for (const b of document.querySelectorAll('[data-action]')) {
    b.addEventListener('click', () => {
      const action = b.dataset.action;
      if (action === 'reload') reload();
      else vscode.postMessage({ type: 'action', action });
    });
  }

  vscode.postMessage({ type: 'ready' });
})();
