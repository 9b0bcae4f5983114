#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures (corpus/ is git-ignored).
#
#   fuzz/seed.sh            # all targets
#   fuzz/seed.sh json lint  # only these
#
# Policy documents come from fixtures/policies/, fixtures/parse/, fixtures/lint/ (every *.json)
# and from every policy inside the decision cases of fixtures/cases/*.jsonl (needs `jq`; skipped
# without it). Saved regressions in fuzz/regressions/<target>/ are copied too, so a campaign
# starts from every input that once failed. Files are named by content hash: running the
# script twice adds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    # Every target of fuzz/fuzz_targets/: a new target without a case below stops the script
    # (and CI's fuzz smoke, which seeds every target) until it says how it is seeded.
    for f in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$f" .rs)")
    done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One file per policy document.
docs="$tmp/docs"
mkdir -p "$docs"
for dir in fixtures/policies fixtures/parse fixtures/lint; do
    [ -d "$dir" ] || continue
    find "$dir" -type f -name '*.json' -print0 | while IFS= read -r -d '' f; do
        cp "$f" "$docs/$(sha1sum "$f" | cut -c1-40)"
    done
done
if command -v jq >/dev/null 2>&1; then
    for f in fixtures/cases/*.jsonl; do
        [ -e "$f" ] || continue
        # Every policy object anywhere under .policies (identity lists, SCP levels, ...).
        jq -c '.policies // {} | .. | objects | select(has("Statement"))' "$f" 2>/dev/null |
            while IFS= read -r line; do
                h=$(printf '%s' "$line" | sha1sum | cut -c1-40)
                printf '%s' "$line" >"$docs/$h"
            done
    done
fi

# Patterns for the wildcard target: every Action/Resource string of the case files.
pats="$tmp/pats"
mkdir -p "$pats"
if command -v jq >/dev/null 2>&1; then
    cat fixtures/cases/*.jsonl 2>/dev/null |
        jq -r '.. | objects | (.Action?, .Resource?, .NotAction?, .NotResource?) | select(. != null) | if type == "array" then .[] else . end | strings' 2>/dev/null |
        sort -u | while IFS= read -r p; do
            h=$(printf '%s' "$p" | sha1sum | cut -c1-40)
            printf '%s' "$p" >"$pats/$h"
        done
fi

for t in "${targets[@]}"; do
    out="fuzz/corpus/$t"
    mkdir -p "$out"
    case "$t" in
        json | parse_policy | lint) src="$docs" ;;
        analysis)
            # Pairs of policy documents, NUL-separated (owner: analysis).
            src="$tmp/pairs"
            mkdir -p "$src"
            set -- "$docs"/*
            prev=""
            for f in "$@"; do
                [ -e "$f" ] || continue
                if [ -n "$prev" ]; then
                    { cat "$prev"; printf '\0'; cat "$f"; } >"$src/$(basename "$prev")-$(basename "$f" | cut -c1-8)"
                fi
                prev="$f"
            done
            ;;
        wildcard) src="$pats" ;;
        pattern_set)
            # Structured input (generator choices): any bytes decode; the Action/Resource
            # strings give varied starting points.
            src="$pats"
            ;;
        evaluate)
            # Structured input: any bytes decode; case lines give varied starting points.
            src="$tmp/cases"
            mkdir -p "$src"
            for f in fixtures/cases/*.jsonl; do
                [ -e "$f" ] || continue
                while IFS= read -r line; do
                    h=$(printf '%s' "$line" | sha1sum | cut -c1-40)
                    printf '%s' "$line" >"$src/$h"
                done <"$f"
            done
            ;;
        *) echo "seed.sh: unknown target \`$t\`" >&2; exit 2 ;;
    esac
    cp -n "$src"/* "$out"/ 2>/dev/null || true
    if [ -d "fuzz/regressions/$t" ]; then
        cp -n "fuzz/regressions/$t"/* "$out"/ 2>/dev/null || true
    fi
    echo "seed.sh: $t: $(find "$out" -type f | wc -l) inputs in $root/$out"
done
