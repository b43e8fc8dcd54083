// Helm hook annotations as Helm's manifest sorter reads them.

/**
 * Whether a `helm.sh/hook` annotation makes the manifest a test hook (`helm test`): its
 * events as the manifest sorter reads them (split on `,`, trimmed, lower-cased), where Helm 2's
 * `test-success` is kept as the test event.
 */
export function isTestHook(hook: string | null | undefined): boolean {
  if (!hook) return false;
  return hook.split(',').some((e) => {
    const event = e.trim().toLowerCase();
    return event === 'test' || event === 'test-success';
  });
}
