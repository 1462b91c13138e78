/** The forwarder's rule for websocket handshakes (core/sandbox/local/forward.ts upgradeAllowed). */
import assert from 'node:assert/strict';
import { upgradeAllowed } from '../../src/core/sandbox/local/forward';

const ws = (host: string, origin?: string) =>
  ['GET /_stcore/stream HTTP/1.1', `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', ...(origin === undefined ? [] : [`Origin: ${origin}`])].join('\r\n');

describe('websocket handshakes through the local forwarder', () => {
  it("the app's own page (and a remote's port proxy, which keeps Host and Origin alike) gets through", () => {
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'http://127.0.0.1:43121')), true);
    assert.equal(upgradeAllowed(ws('localhost:43121', 'http://127.0.0.1:43121')), true, 'loopback spellings are one');
    assert.equal(upgradeAllowed(ws('[::1]:43121', 'http://localhost:43121')), true);
    assert.equal(upgradeAllowed(ws('abc-43121.app.github.dev', 'https://abc-43121.app.github.dev')), true, "a TLS proxy on 443 keeps the browser's Host, which has no port");
    assert.equal(upgradeAllowed(ws('code.example', 'http://code.example')), true);
    assert.equal(upgradeAllowed(ws('code.example:80', 'https://code.example')), false, 'port 80 is not https\'s 443');
    assert.equal(upgradeAllowed(ws('abc-43121.app.github.dev:443', 'https://abc-43121.app.github.dev')), true);
    assert.equal(upgradeAllowed(ws('Code.Example:8080', 'http://code.example:8080')), true, 'case does not matter');
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121')), true, 'no Origin: not a browser page');
  });

  it("another site's page, another local port, a null origin: refused", () => {
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'https://evil.example')), false);
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'http://127.0.0.1:5173')), false, 'another app on this machine');
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'null')), false);
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'file:///tmp/x.html')), false);
    assert.equal(upgradeAllowed(['GET / HTTP/1.1', 'Host: 127.0.0.1:43121', 'Upgrade: WebSocket', 'Origin: https://evil.example'].join('\r\n')), false, 'the header is case-insensitive');
  });

  it('DNS rebinding (a site whose name points at 127.0.0.1 sends it as Host and Origin, with the port it listens on): refused', () => {
    assert.equal(upgradeAllowed(ws('rebind.evil.example:43121', 'http://rebind.evil.example:43121'), 43121), false);
    assert.equal(upgradeAllowed(ws('rebind.evil.example.:43121', 'http://rebind.evil.example.:43121'), 43121), false, 'with a trailing dot');
    assert.equal(upgradeAllowed(ws('127.0.0.1:43121', 'http://127.0.0.1:43121'), 43121), true, "the app's own page still gets through");
    assert.equal(upgradeAllowed(ws('app.localhost:43121', 'http://app.localhost:43121'), 43121), true, '*.localhost is loopback');
    assert.equal(upgradeAllowed(ws('43121.localhost:8080', 'http://43121.localhost:8080'), 43121), true, "code-server's subdomain proxy");
    assert.equal(upgradeAllowed(ws('43121.localhost:8080', 'http://5173.localhost:8080'), 43121), false, "another app's page behind the same proxy is another origin");
    assert.equal(upgradeAllowed(ws('localhost.:43121', 'http://localhost.:43121'), 43121), true, 'localhost with a trailing dot');
    assert.equal(upgradeAllowed(ws('code.example:8080', 'http://code.example:8080'), 43121), true, 'a port proxy keeps its own port');
    assert.equal(upgradeAllowed(ws('abc-43121.app.github.dev', 'https://abc-43121.app.github.dev'), 43121), true, 'or none');
  });

  it('plain requests are not its business (CORS is the app\'s)', () => {
    assert.equal(upgradeAllowed(['GET /api HTTP/1.1', 'Host: 127.0.0.1:43121', 'Origin: https://evil.example'].join('\r\n')), true);
  });
});
