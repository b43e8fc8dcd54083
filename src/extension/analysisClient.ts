// The host's side of the analysis worker: requests go out as messages and come back as
// promises. The worker is started on first use; if it dies (a crash, running out of
// memory) every pending request fails, the failure is logged, and the next request starts
// a new worker — `epoch` tells the model to send every file again. No engine here.
import type { AnswerOf, RequestMessage, ResponseMessage, ServiceRequest } from './service/protocol';

export interface AnalysisClient {
  request<R extends ServiceRequest>(request: R): Promise<AnswerOf<R>>;
  /** Which worker answers: bumped when a new one starts (it holds no files yet). */
  readonly epoch: number;
  dispose(): void;
}

/** One started worker, whatever the host's kind of worker. */
export interface WorkerPort {
  post(message: RequestMessage): void;
  /** Registers the message and failure handlers (called once). */
  listen(onMessage: (message: unknown) => void, onFailure: (why: string) => void): void;
  terminate(): void;
}

export class WorkerClient implements AnalysisClient {
  private port: WorkerPort | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  epoch = 0;

  constructor(
    private readonly start: () => WorkerPort,
    private readonly onFailure: (why: string) => void = () => undefined,
  ) {}

  request<R extends ServiceRequest>(request: R): Promise<AnswerOf<R>> {
    const port = this.ensure();
    const id = this.nextId++;
    return new Promise<AnswerOf<R>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      port.post({ id, request });
    });
  }

  dispose(): void {
    this.port?.terminate();
    this.fail('the extension is shutting down');
  }

  private ensure(): WorkerPort {
    if (this.port) return this.port;
    const port = this.start();
    this.port = port;
    this.epoch++;
    port.listen(
      (message) => this.receive(message),
      (why) => {
        if (this.port !== port) return;
        this.port = undefined;
        port.terminate();
        this.onFailure(why);
        this.fail(`the analysis worker stopped: ${why}`);
      },
    );
    return port;
  }

  private receive(message: unknown): void {
    const m = message as ResponseMessage;
    const waiting = typeof m === 'object' && m !== null ? this.pending.get(m.id) : undefined;
    if (!waiting) return;
    this.pending.delete(m.id);
    if (m.ok) waiting.resolve(m.value);
    else waiting.reject(new Error(m.error));
  }

  private fail(why: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(new Error(why));
  }
}
