import type { Analyzer } from './workspaceModel';

// The one place the extension binds to the engine's workspace entry point, so the
// adapters stay compilable while engine modules land (see src/engine/index.ts).
export const analyzer: Analyzer | undefined = undefined;
