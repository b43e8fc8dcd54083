// Reading the user's paths: files and folders, recursively, *.yaml|*.yml|*.json.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { WorkspaceFile } from '../engine';
import { fileRole, loadClusterProfile, PROFILE_FILE_NAME, PROFILE_SHAPE_HINT } from '../engine';
import { UsageError } from './io';

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test']);

export interface CollectedInput {
  files: WorkspaceFile[];
  profile: WorkspaceFile | null;
}

function display(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  return (rel.startsWith('..') ? absolute : rel).split(sep).join('/');
}

export function collectFiles(paths: string[], cwd: string, clusterPath: string | undefined): CollectedInput {
  if (paths.length === 0) throw new UsageError('no input paths given');
  const files: WorkspaceFile[] = [];
  let foundProfile: string | null = null;
  const visit = (absolute: string, explicit: boolean): void => {
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      throw new UsageError(`cannot read ${display(cwd, absolute)}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      let entries: string[];
      try {
        entries = readdirSync(absolute).sort();
      } catch (err) {
        throw new UsageError(`cannot read directory ${display(cwd, absolute)}: ${(err as Error).message}`);
      }
      for (const entry of entries) {
        if (SKIP_DIRS.has(entry)) continue;
        const child = join(absolute, entry);
        let isDir = false;
        try {
          isDir = statSync(child).isDirectory();
        } catch {
          continue; // dangling symlink
        }
        if (isDir || fileRole(entry) !== 'other') visit(child, false);
      }
      return;
    }
    if (!explicit && fileRole(absolute) === 'other') return;
    if (!stat.isFile()) {
      // A committed symlink `x.yaml -> /dev/zero` (or a FIFO) would be read forever.
      if (explicit) throw new UsageError(`cannot read ${display(cwd, absolute)}: not a regular file`);
      return;
    }
    if (fileRole(absolute) === 'profile') {
      foundProfile ??= absolute;
      return;
    }
    let text: string;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${display(cwd, absolute)}: ${(err as Error).message}`);
    }
    files.push({ path: display(cwd, absolute), text });
  };
  for (const p of paths) visit(resolve(cwd, p), true);
  const profilePath =
    clusterPath !== undefined ? resolve(cwd, clusterPath) : (foundProfile ?? findProfileUpwards(paths, cwd));
  let profile: WorkspaceFile | null = null;
  if (profilePath) {
    try {
      profile = { path: display(cwd, profilePath), text: readFileSync(profilePath, 'utf8') };
    } catch (err) {
      throw new UsageError(
        `cannot read cluster profile ${display(cwd, profilePath)}: ${(err as Error).message}`,
      );
    }
  }
  if (profile) checkProfile(profile);
  if (files.length === 0 && profile === null) {
    throw new UsageError(`no *.yaml, *.yml or *.json files found in ${paths.join(', ')}`);
  }
  return { files, profile };
}

/** A profile in the working directory applies to every command run there. */
function findProfileUpwards(_paths: string[], cwd: string): string | null {
  const candidate = join(cwd, PROFILE_FILE_NAME);
  return existsSync(candidate) ? candidate : null;
}

/**
 * A profile the CLI cannot trust is bad input, not a finding: one line with the first
 * error's file:line:column and the shape expected, exit code 2. (The extension instead
 * shows the errors as diagnostics and falls back to defaults.)
 */
function checkProfile(profile: WorkspaceFile): void {
  const errors = loadClusterProfile(profile.path, profile.text).diagnostics.filter(
    (d) => d.severity === 'error',
  );
  const [first] = errors;
  if (!first) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const hint = first.message.includes(PROFILE_SHAPE_HINT) ? '' : `; ${PROFILE_SHAPE_HINT}`;
  throw new UsageError(
    `invalid cluster profile ${first.range.file}:${first.range.line}:${first.range.column}: ${first.message}${more}${hint}`,
  );
}
