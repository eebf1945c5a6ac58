import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The nearest folder above this file with a package.json: the same answer from sources and from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
