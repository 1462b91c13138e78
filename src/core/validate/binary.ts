/** Files that are not text. */
import type { Finding } from './finding';

/**
 * The one sentence for a file that is not text: not UTF-8, or holding a NUL byte (which no text file does, and
 * which would make line-based rules useless). The folder reader, the editor's workspace and the validator say it.
 */
export function binaryFileSentence(shown: string, why: 'not UTF-8 text' | 'it holds a NUL byte', fix = 'so it cannot be deployed or saved'): string {
  return `${shown} is a binary file (${why}); Spawn App apps hold text files only, ${fix}.`;
}

/** A NUL byte makes a file binary: refused whole, so no rule is skipped for a file that then runs. */
export function binaryFindings(path: string, shown: string, content: string): Finding[] {
  return content.includes('\0') ? [{ severity: 'error', rule: 'file.binary', path, message: binaryFileSentence(shown, 'it holds a NUL byte') }] : [];
}
