/** What the CLI prints passes here: every line made terminal-safe (core/base/terminalSafe.ts says why). */
import { terminalSafe } from '../core/base/terminalSafe';

export { terminalSafe };

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The same outputs, every line made terminal-safe (the one place the CLI's lines pass). */
export function terminalSafeIo(io: CliIo): CliIo {
  return { out: (s) => io.out(terminalSafe(s)), err: (s) => io.err(terminalSafe(s)) };
}
