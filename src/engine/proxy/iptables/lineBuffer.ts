// Text built line by line. A node's rules for 10k Services are ~25 MB of text in
// ~200k lines, each a rope of its template's parts; were they all kept to one final
// join, most of the time would go to the garbage collector copying them. Instead,
// lines are joined into flat blocks of at least `blockChars` as they come: the ropes
// die young, and blocks this size are allocated outside the young generation
// (V8's large-object space, over 128 KiB), so they are never copied either.

const blockChars = 1 << 17;

/** Lines (or blocks of lines, without a trailing newline) joined with newlines. */
export class LineBuffer {
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  private pendingChars = 0;

  push(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= blockChars) this.flush();
  }

  /** Appends the text as blocks to `pieces` (to be joined with '\n'); nothing when there are no lines. */
  appendTo(pieces: string[]): void {
    this.flush();
    for (const block of this.blocks) pieces.push(block);
  }

  /** The lines joined with '\n' ('' when there are none). */
  text(): string {
    this.flush();
    if (this.blocks.length > 1) this.blocks.splice(0, this.blocks.length, this.blocks.join('\n'));
    return this.blocks[0] ?? '';
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.blocks.push(this.pending.join('\n'));
    this.pending = [];
    this.pendingChars = 0;
  }
}

/**
 * The rules of many chains, written chain after chain (each chain's lines in a row) and
 * read back by chain: chain i's text is a slice of the block it was written into.
 * A name written twice (two Service ports with one name) lists both parts in order.
 */
export class ChainTexts {
  /** Chain names in the order they were begun. */
  readonly names: string[] = [];
  private readonly blockOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  /** Length of pending.join('\n'). */
  private pendingChars = 0;
  private open = false;

  /** The lines pushed from now on, until the next begin() or endGroup(), are chain `name`'s. */
  begin(name: string): void {
    this.close();
    this.names.push(name);
    this.blockOf.push(this.blocks.length);
    this.starts.push(this.pending.length === 0 ? 0 : this.pendingChars + 1);
    this.open = true;
  }

  push(line: string): void {
    if (this.pending.length > 0) this.pendingChars++;
    this.pending.push(line);
    this.pendingChars += line.length;
  }

  /** Ends the current chain; the pending lines may be joined into a block now (never mid-group). */
  endGroup(): void {
    this.close();
    if (this.pendingChars >= blockChars) this.flush();
  }

  /** Chain i's rules joined with '\n' (call after the last endGroup()). */
  text(i: number): string {
    this.close();
    this.flush();
    return (this.blocks[this.blockOf[i] ?? 0] ?? '').slice(this.starts[i] ?? 0, this.ends[i] ?? 0);
  }

  private close(): void {
    if (!this.open) return;
    this.ends.push(this.pendingChars);
    this.open = false;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.blocks.push(this.pending.join('\n'));
    this.pending = [];
    this.pendingChars = 0;
  }
}
