/**
 * Text a front prints to a terminal passes here (the CLI's lines, the MCP server's results, which clients such as
 * Claude Code show on a terminal): file names from a folder or a model, findings, paths, app names and an app's own
 * output are untrusted, and a control character in them is an instruction to the terminal (colours, a cleared
 * screen, OSC 52 writing the clipboard, a new window title) or reorders what is shown (bidi overrides). Every such
 * character is shown escaped instead: C0 as `\x1b`, DEL, C1 and the bidi controls as `\u202e`. Tab and line feed
 * stay (multi-line output uses them). A JSON line stays valid JSON meaning the same: JSON escapes C0 already, and
 * `\uXXXX` is a JSON escape.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x20 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
