/** Worker thread: takes chunks from the shared queue and synthesizes each into its directory. */
import { writeFileSync } from "node:fs";
import { workerData } from "node:worker_threads";
import { FleetInputError } from "../fleet/errors";
import type { StackInput } from "../fleet/stack-inputs";
import { chunkErrorFile } from "./chunk-files";
import { synthesizeInputs } from "./synth-chunk";

const { chunks, dirs, next, done } = workerData as { chunks: StackInput[][]; dirs: string[]; next: Int32Array; done: Int32Array };
try {
  for (let i = Atomics.add(next, 0, 1); i < chunks.length; i = Atomics.add(next, 0, 1)) {
    try {
      synthesizeInputs(chunks[i], dirs[i]);
    } catch (err) {
      // A fleet mistake keeps its path across the thread boundary, so the CLI can point at its line.
      const input = err instanceof FleetInputError ? { path: err.path, problem: err.problem } : undefined;
      writeFileSync(chunkErrorFile(dirs[i]), JSON.stringify({ message: (err as Error).message, input }));
    }
  }
} finally {
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
}
