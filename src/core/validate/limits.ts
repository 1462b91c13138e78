/** Documented limits (docs/security.md, Validation), and the whole app's size against them. */
import type { Finding } from './finding';

export const LIMITS = {
  maxFiles: 500,
  maxTotalBytes: 10 * 1024 * 1024,
  maxPathLength: 1024,
  maxSegmentLength: 255,
  maxDependencies: 100,
  /** Far below what the kernel takes for one argument (128 KiB): no start command needs more. */
  maxStartCommandLength: 8192,
} as const;

/** No files, or too many. */
export function fileCountFindings(count: number): Finding[] {
  if (count === 0) return [{ severity: 'error', rule: 'files.empty', message: 'The app has no files.' }];
  if (count > LIMITS.maxFiles) return [{ severity: 'error', rule: 'limits.files', message: `The app has ${count} files; the limit is ${LIMITS.maxFiles}.` }];
  return [];
}

/** More bytes than the limit, in all the app's files together. */
export function totalBytesFindings(total: number): Finding[] {
  return total > LIMITS.maxTotalBytes ? [{ severity: 'error', rule: 'limits.bytes', message: `The app holds ${(total / 1048576).toFixed(1)} MB; the limit is ${LIMITS.maxTotalBytes / 1048576} MB.` }] : [];
}
