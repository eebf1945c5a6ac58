/**
 * Preloaded with `node --require` into a benchmarked process: writes its peak RSS (bytes) and CPU time (user and
 * system, every thread, seconds) to $BENCH_RSS_FILE at exit, as `rss user system`. CPU time stays meaningful on a
 * busy machine, where wall time does not.
 */
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(target, `${usage.maxRSS * 1024} ${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6}`);
  });
}
