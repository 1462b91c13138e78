/** Secrets: hard-coded credentials, a secret's value written into a file, a secret read in code the browser gets. */
import type { AppSecrets } from '../base/secrets';
import { CREDENTIAL_SHAPES } from '../base/secrets';
import type { AppSpec } from '../app/spec';
import { isClientFile } from '../stacks';
import type { Finding } from './finding';

/** Environment variables a browser file may name without leaking anything. */
const HARMLESS_ENV = /^(?:PORT|HOST|NODE_ENV|DEV|PROD|MODE|BASE_URL|SSR|SPAWN_APP_PUBLIC_HOST|SPAWN_APP_PUBLIC_PROTOCOL)$/;

/**
 * Hard-coded credentials (well-known key shapes, or a value the user set as a secret) and secrets read in code the
 * browser gets. Messages name the rule and the place, never the value.
 */
export function secretFindings(spec: AppSpec, secrets: AppSecrets): Finding[] {
  const out: Finding[] = [];
  const values = Object.entries(secrets).filter(([, v]) => v.length >= 6);
  const names = Object.keys(secrets);
  for (const file of spec.files) {
    if (file.content.includes('\0')) continue;
    const lines = file.content.split('\n');
    const client = isClientFile(spec, file.path);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length > 10000) continue;
      for (const s of CREDENTIAL_SHAPES) {
        if (s.re.test(line)) out.push({ severity: 'warning', rule: s.rule, path: file.path, line: i + 1, message: `This looks like ${s.what} written into the file; set it as an app secret instead.` });
      }
      for (const [name, value] of values) {
        if (line.includes(value)) out.push({ severity: 'warning', rule: 'secret.value_in_file', path: file.path, line: i + 1, message: `The value of the secret ${name} is written into the file; read it from process.env.${name} instead.` });
      }
      if (!client) continue;
      const env = /\b(?:process\.env|import\.meta\.env)\.([A-Za-z_]\w*)|\bprocess\.env\[\s*['"]([A-Za-z_]\w*)['"]\s*\]/.exec(line);
      const used = env ? (env[1] ?? env[2])! : names.find((n) => new RegExp(`\\b${n}\\b`).test(line));
      if (used && !HARMLESS_ENV.test(used)) {
        out.push({ severity: 'warning', rule: 'secret.client_side', path: file.path, line: i + 1, message: `${used} is read in a file the browser gets: anyone can see it there. Read secrets only in server code.` });
      }
    }
  }
  return out;
}
