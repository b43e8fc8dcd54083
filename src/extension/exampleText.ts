// The example "Kubepath: Open Example" copies (shipped in the .vsix, see .vscodeignore). Pure.

/** The folder under examples/ that the extension ships and the walkthrough opens. */
export const EXAMPLE_NAME = 'nginx';

/** The file opened once the example is copied into the workspace: the Service to hover. */
export const EXAMPLE_OPENS = 'service.yaml';

/** `kubepath-example-nginx`, then `kubepath-example-nginx-2`, … */
export function exampleFolderName(n: number): string {
  return `kubepath-example-${EXAMPLE_NAME}${n > 1 ? `-${n}` : ''}`;
}
