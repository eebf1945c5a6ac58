/**
 * The cdktf app: `node dist/main.js [--fleet FILE] [--out DIR]` (cdktf.json runs it for `cdktf synth|diff|deploy`).
 * The command itself is app/main.ts. `npm run build` also bundles it into one file, dist/bundle/main.js (its
 * worker beside it), which loads several times faster than the modules it is made of. A bundle older than the
 * last compilation (`tsc` alone) is ignored, so the command never runs stale code.
 */
import { statSync } from "node:fs";
import { join } from "node:path";

const modifiedAt = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
const bundle = join(__dirname, "bundle", "main.js");
const [bundled, compiled] = [modifiedAt(bundle), modifiedAt(join(__dirname, ".tsbuildinfo"))];
require(bundled !== undefined && (compiled === undefined || bundled >= compiled) ? bundle : "./app/main");
