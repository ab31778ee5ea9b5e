import { closeSync, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";

/** The most a file a manifest names (a Statsig payload) may hold; a real one is a few hundred KB. */
export const MAX_OPTION_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A file a manifest names cannot be read as given. The message is `<path>: <why>` (outside the folder, not
 * a regular file, too large, missing), never any of the file's content.
 */
export class OptionFileError extends Error {
  override readonly name = "OptionFileError";
}

/**
 * Whether the operator allows files outside the manifest's folder: `ASSAY_ALLOW_OUTSIDE_FILES=1` in the
 * environment. The permission is the environment's, not the manifest's, so a manifest cannot grant it itself.
 */
export function allowsOutsideFiles(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ASSAY_ALLOW_OUTSIDE_FILES === "1";
}

const HINT = "set ASSAY_ALLOW_OUTSIDE_FILES=1 to allow files outside the manifest's folder";

/**
 * Reads a file a manifest names, as UTF-8. `path` resolves from `baseDir` (the manifest's folder) and must stay
 * inside it, symbolic links followed, unless `allowOutside`: a manifest from elsewhere cannot make the reader
 * open `/etc/passwd`. Only a regular file of at most `maxBytes` is read (`/dev/zero` would never end).
 */
export function readContainedFile(
  path: string,
  baseDir: string,
  options: { readonly allowOutside?: boolean; readonly maxBytes?: number } = {},
): string {
  const maxBytes = options.maxBytes ?? MAX_OPTION_FILE_BYTES;
  const target = resolve(baseDir, path);
  if (!options.allowOutside && isAbsolute(path)) {
    throw new OptionFileError(`${path}: an absolute path; give one relative to the manifest (${HINT})`);
  }
  // checked as written first, so a path out of the folder does not even tell whether its file exists
  if (!options.allowOutside && !within(resolve(baseDir), target)) {
    throw new OptionFileError(`${path}: outside the manifest's folder (${HINT})`);
  }
  let real: string;
  try {
    real = realpathSync(target);
  } catch (error) {
    throw new OptionFileError(`${target}: ${reason(error)}`);
  }
  if (!options.allowOutside) {
    if (!within(realpathSync(baseDir), real)) {
      throw new OptionFileError(`${path}: outside the manifest's folder (${HINT})`);
    }
  }
  let fd: number;
  try {
    fd = openSync(real, "r");
  } catch (error) {
    throw new OptionFileError(`${target}: ${reason(error)}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new OptionFileError(`${target}: not a regular file (a directory or device)`);
    const tooLarge = () =>
      new OptionFileError(`${target}: larger than the limit of ${maxBytes / 1024 / 1024} MiB`);
    if (info.size > maxBytes) throw tooLarge();
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw tooLarge();
      if (length === buffer.length) throw tooLarge(); // grew while being read
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  return code ?? "unreadable";
}

/** Whether `file` lies strictly inside the folder `dir` (both absolute). */
function within(dir: string, file: string): boolean {
  const inside = relative(dir, file);
  return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside);
}
