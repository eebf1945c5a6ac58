/** Preloaded with `node --require` into a benchmarked process: writes its peak RSS (bytes) to $BENCH_RSS_FILE at exit. */
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
}
