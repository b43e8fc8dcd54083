import * as vscode from 'vscode';

// One output channel "kubepath" for everything; the extension never throws into the host,
// so every callback from VS Code goes through `guard`/`guardAsync`.
let channel: vscode.LogOutputChannel | undefined;

export function createLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('kubepath', { log: true });
  return channel;
}

export function log(): vscode.LogOutputChannel {
  return createLog();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function logError(where: string, error: unknown): void {
  log().error(`${where}: ${describe(error)}`);
}

/** Runs `fn`, logging instead of throwing; returns `fallback` on error. */
export function guard<T>(where: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    logError(where, error);
    return fallback;
  }
}

/** Async variant of `guard`. */
export async function guardAsync<T>(where: string, fallback: T, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    logError(where, error);
    return fallback;
  }
}

/** Fire-and-forget a promise with its rejection logged (satisfies no-floating-promises honestly). */
export function background(where: string, promise: PromiseLike<unknown>): void {
  Promise.resolve(promise).catch((error: unknown) => logError(where, error));
}
