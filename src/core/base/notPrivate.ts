/** Whether a file or folder is this user's own and private: the local runner's root, its records, the dependency cache, the stored scan. */
import { lstatSync } from 'node:fs';

function uid(): number | undefined {
  return process.getuid?.();
}

/** Why `p` is not this user's own private file or folder, or undefined when it is. */
export function notPrivate(p: string, kind: 'folder' | 'file'): string | undefined {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return 'it cannot be read';
  }
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (kind === 'folder' ? !st.isDirectory() : !st.isFile()) return `it is not a ${kind}`;
  const me = uid();
  if (me !== undefined && st.uid !== me) return `it is owned by another user (uid ${st.uid})`;
  if (me !== undefined && (st.mode & 0o022) !== 0) return `it is writable by other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}
