// A file a front end listed but could not read (not a regular file, over the size limit,
// deleted between listing and reading, no permission): one error on the file, no objects,
// and the other files are analysed as usual.
import type { LoadedFile } from '../model';

export function unreadableFile(file: string, reason: string): LoadedFile {
  return {
    file,
    objects: [],
    diagnostics: [
      {
        range: { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
        severity: 'error',
        code: 'file-unreadable',
        message: `not analysed: ${reason}`,
      },
    ],
  };
}
