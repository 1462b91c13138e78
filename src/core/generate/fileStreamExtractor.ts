/**
 * Finds the files in a tool call's JSON while it is still arriving in chunks.
 *
 * A single-pass, tolerant scanner (O(total length), no re-parsing of the prefix): it tracks where it is in the
 * JSON (a stack of objects and arrays, the current key, the array index) and decodes only the strings that
 * matter, `files[i].path` and `files[i].content`. It reports a file as started as soon as its path string is
 * closed, and as complete as soon as both its path and its content are closed, whatever their order.
 * It does not validate: the final JSON.parse of the whole input is the authority; this only makes the
 * progress visible early.
 */

export interface ExtractedFile {
  index: number;
  path: string;
  content?: string;
}

export interface FileStreamCallbacks {
  onStarted?(file: ExtractedFile): void;
  onComplete?(file: ExtractedFile & { content: string }): void;
}

type Frame = { kind: 'object'; key: string | null; expectKey: boolean } | { kind: 'array'; index: number };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export class FileStreamExtractor {
  private readonly stack: Frame[] = [];
  private inString = false;
  private stringIsKey = false;
  /** Decoded pieces of the current string, kept only when it is captured (a key, a file path or content). */
  private capture: string[] | null = null;
  private escape = false;
  private unicode: string | null = null;
  private readonly files = new Map<number, { path?: string; content?: string; started: boolean; complete: boolean }>();
  private bytes = 0;

  /** `arrayKey`: the top-level array holding the files (`files` for an app, `changes` for a patch). */
  constructor(private readonly cb: FileStreamCallbacks = {}, private readonly arrayKey = 'files') {}

  /** Characters seen so far. */
  get length(): number {
    return this.bytes;
  }

  /** The files whose path is known, in order, with their content when it is complete. */
  known(): ExtractedFile[] {
    return [...this.files.entries()]
      .filter(([, f]) => f.path !== undefined)
      .sort(([a], [b]) => a - b)
      .map(([index, f]) => ({ index, path: f.path!, ...(f.complete ? { content: f.content } : {}) }));
  }

  push(chunk: string): void {
    this.bytes += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inString) {
        i = this.scanString(chunk, i);
        continue;
      }
      const c = chunk[i]!;
      i++;
      switch (c) {
        case '"':
          this.openString();
          break;
        case '{':
          this.stack.push({ kind: 'object', key: null, expectKey: true });
          break;
        case '[':
          this.stack.push({ kind: 'array', index: 0 });
          break;
        case '}':
        case ']':
          this.stack.pop();
          break;
        case ',': {
          const top = this.top();
          if (top?.kind === 'object') {
            top.key = null;
            top.expectKey = true;
          } else if (top?.kind === 'array') top.index++;
          break;
        }
        default:
          break; // ':', whitespace, numbers, literals: nothing to track
      }
    }
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** `<arrayKey>[i]` and the key inside it, when the scanner is exactly at a file's field. */
  private fileField(): { index: number; key: string } | null {
    const s = this.stack;
    if (s.length !== 3) return null;
    const [root, arr, obj] = s as [Frame, Frame, Frame];
    if (root.kind !== 'object' || root.key !== this.arrayKey || arr.kind !== 'array' || obj.kind !== 'object' || obj.key === null) return null;
    return { index: arr.index, key: obj.key };
  }

  private openString(): void {
    this.inString = true;
    this.escape = false;
    this.unicode = null;
    const top = this.top();
    this.stringIsKey = top?.kind === 'object' && top.expectKey;
    if (this.stringIsKey) {
      this.capture = [];
      return;
    }
    const field = this.fileField();
    this.capture = field && (field.key === 'path' || field.key === 'content') ? [] : null;
  }

  /** Consumes string characters from `i`; returns the index after what it consumed. */
  private scanString(chunk: string, i: number): number {
    const n = chunk.length;
    while (i < n) {
      if (this.unicode !== null) {
        this.unicode += chunk[i]!;
        i++;
        if (this.unicode.length === 4) {
          const code = parseInt(this.unicode, 16);
          this.capture?.push(Number.isNaN(code) ? '\uFFFD' : String.fromCharCode(code));
          this.unicode = null;
        }
        continue;
      }
      if (this.escape) {
        const e = chunk[i]!;
        i++;
        this.escape = false;
        if (e === 'u') this.unicode = '';
        else this.capture?.push(ESCAPES[e] ?? e);
        continue;
      }
      // Fast path: copy the run up to the next quote or backslash in one slice.
      let j = i;
      while (j < n) {
        const c = chunk.charCodeAt(j);
        if (c === 34 /* " */ || c === 92 /* \ */) break;
        j++;
      }
      if (j > i) this.capture?.push(chunk.slice(i, j));
      if (j >= n) return n;
      if (chunk.charCodeAt(j) === 92) {
        this.escape = true;
        return j + 1;
      }
      this.closeString();
      return j + 1;
    }
    return i;
  }

  private closeString(): void {
    this.inString = false;
    const text = this.capture?.join('');
    this.capture = null;
    const top = this.top();
    if (this.stringIsKey) {
      if (top?.kind === 'object') {
        top.key = text ?? '';
        top.expectKey = false;
      }
      return;
    }
    if (text === undefined) return;
    const field = this.fileField();
    if (!field) return;
    const f = this.files.get(field.index) ?? { started: false, complete: false };
    this.files.set(field.index, f);
    if (field.key === 'path') f.path = text;
    else f.content = text;
    if (f.path !== undefined && !f.started) {
      f.started = true;
      this.cb.onStarted?.({ index: field.index, path: f.path });
    }
    if (f.path !== undefined && f.content !== undefined && !f.complete) {
      f.complete = true;
      this.cb.onComplete?.({ index: field.index, path: f.path, content: f.content });
    }
  }
}
