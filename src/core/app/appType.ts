/** The app type a prompt most likely asks for, when the caller did not say (shared by the CLI and the MCP server). */
import type { AppType } from './spec';

export function guessAppType(prompt: string): AppType {
  const p = prompt.toLowerCase();
  if (/\b(react|reactjs|vite|tsx)\b/.test(p)) return 'react';
  if (/\b(python|script|report|analy[sz]e|analysis|csv|chart of)\b/.test(p)) return 'script';
  if (/\b(api|rest|endpoints?|backend|express|crud|json service)\b/.test(p)) return 'api';
  return 'webapp';
}
