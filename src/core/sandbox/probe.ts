/** Readiness probes shared by the providers (no SDK here, so the local runner stays SDK-free). */
import http from 'node:http';
import https from 'node:https';

/** One GET through the app's public URL: true when it answered below 500. `*.localhost` is dialled on loopback. */
export function probeUrl(url: string, signal?: AbortSignal, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean) => {
      if (!done) {
        done = true;
        resolve(v);
      }
    };
    try {
      const u = new URL(url);
      const local = u.hostname === 'localhost' || u.hostname.endsWith('.localhost');
      const secure = u.protocol === 'https:';
      const req = (secure ? https : http).request(
        {
          method: 'GET',
          hostname: local ? '127.0.0.1' : u.hostname,
          port: u.port || (secure ? 443 : 80),
          path: `${u.pathname}${u.search}`,
          headers: { Host: u.host, 'User-Agent': 'spawn-app-probe' },
          ...(secure && !local ? { servername: u.hostname } : {}),
          timeout: timeoutMs,
          signal,
          agent: false,
        },
        (res) => {
          res.resume();
          finish((res.statusCode ?? 500) < 500);
        },
      );
      req.on('error', () => finish(false));
      req.on('timeout', () => {
        req.destroy();
        finish(false);
      });
      req.end();
    } catch {
      finish(false);
    }
  });
}
