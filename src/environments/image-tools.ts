import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { UnavailableError } from '../core/errors.ts';

/**
 * The programs drydock obtains images with: no Docker daemon, only what a Debian host can install. runc
 * runs a Dockerfile's `RUN` steps in namespaces of their own, network included (buildah's chroot
 * isolation would give them the host's network, loopback services and all).
 */
export type ImageTool = 'skopeo' | 'umoci' | 'buildah' | 'runc';

/** What installs them all on Debian and Ubuntu. */
export const IMAGE_TOOLS_PACKAGES = 'apt-get install skopeo umoci buildah runc uidmap';

/** Where Debian installs runc: /usr/sbin, which is not on a normal user's PATH. */
const SYSTEM_DIRS = ['/usr/sbin', '/sbin'];

/**
 * The tool's path in `searchPath` (a PATH), or an `image_tool_missing` error saying what needs it and
 * which package to install.
 */
export async function findImageTool(tool: ImageTool, searchPath: string, why: string): Promise<string> {
  const dirs =
    tool === 'runc' ? [...searchPath.split(delimiter), ...SYSTEM_DIRS] : searchPath.split(delimiter);
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, tool);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new UnavailableError(
    'image_tool_missing',
    `${why} needs ${tool}, which is not installed here (not on PATH). Install the image tools: ${IMAGE_TOOLS_PACKAGES} (Debian/Ubuntu; the same packages elsewhere). See docs/environments.md ("Images").`,
  );
}

export interface RunToolOptions {
  /** The program's whole environment. */
  env: Record<string, string>;
  cwd?: string;
  /** Each line it prints (stdout and stderr), as it prints it: progress. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** What a tool printed when it failed: the last lines of its stderr (or stdout). */
export class ToolFailure extends Error {
  readonly tool: string;
  readonly exit: string;
  readonly tail: string;
  constructor(tool: string, exit: string, tail: string) {
    super(`${tool} failed (${exit}): ${tail}`);
    this.name = 'ToolFailure';
    this.tool = tool;
    this.exit = exit;
    this.tail = tail;
  }
}

/** Runs an image tool; resolves with its stdout, rejects with a ToolFailure (or the abort). */
export function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const lines = (chunks: Buffer[]) => {
      let pending = '';
      return (chunk: Buffer) => {
        chunks.push(chunk);
        if (!options.onLine) return;
        pending += chunk.toString('utf8');
        const parts = pending.split(/\r?\n|\r/);
        pending = parts.pop() ?? '';
        for (const line of parts) if (line.trim() !== '') options.onLine(line);
      };
    };
    child.stdout.on('data', lines(stdout));
    child.stderr.on('data', lines(stderr));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const out = Buffer.concat(stdout).toString('utf8');
      if (code === 0) return resolve(out);
      const err = Buffer.concat(stderr).toString('utf8').trim();
      const tail = (err === '' ? out : err).trim().split('\n').slice(-5).join('\n');
      reject(new ToolFailure(file.slice(file.lastIndexOf('/') + 1), signal ?? `exit ${code}`, tail));
    });
  });
}
