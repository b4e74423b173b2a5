#!/usr/bin/env bash
# Fails when a tracked file points at documents outside the repository: a `spec/...` or
# `docs/...` path that does not exist here, a folder outside the clone (`../shared/`,
# `/work/shared/`), or a bare "spec 2.5"-style section citation (the repo has no spec; its own
# documents are in docs/).
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
self=scripts/check_doc_refs.sh
files=$(git ls-files | grep -v -x -e "$self" -e Cargo.lock)

# Paths under spec/ or docs/ that must exist in the repo.
while IFS=: read -r file line path; do
    path=${path%%[).,:;\`\'\"]}
    path=${path%%#*}
    if [ ! -e "$path" ]; then
        echo "$file:$line: points at $path, which is not in the repository"
        status=1
    fi
done < <(echo "$files" | xargs grep -noE '(^|[^A-Za-z0-9_./-])(spec|docs)/[A-Za-z0-9_./-]+' 2>/dev/null |
         sed -E 's/^([^:]*:[0-9]+:)[^sd]*/\1/' || true)

# Places outside the clone, and section citations of a spec the repo does not have.
if echo "$files" | xargs grep -nE '\.\./shared/|/work/shared|\bspec (section )?[0-9]|\bspec `|design\.md|ovms-c-api\.md|design invariants? [0-9]' 2>/dev/null |
   grep -v '^docs/' ; then
    echo "^ these point outside the repository; point them at docs/ instead"
    status=1
fi

[ $status -eq 0 ] && echo "check_doc_refs: every document reference is inside the repository"
exit $status
