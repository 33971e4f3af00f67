#!/usr/bin/env bash
# The training run of the profile-guided release build (`make release`; see the Makefile and bench/README.md).
#
# Usage: bench/pgo-train.sh BUILD LLVM_PROFDATA PROFILE
#
# BUILD holds an instrumented leadd and leadd-bench: every run of them writes its execution counts. They do here what
# the daemon and its tools do all day, on synthetic leads made from another seed than the one `make bench` measures
# with: the daemon takes files of 5,000 leads (read, decide, assign, record, write the outbox), with the shipped caps
# and with every cap lifted (each qualified lead given to a rep), then `leadd replay`
# compares them under a candidate rule set (with and without owners), `leadd score` decides them again as JSON,
# `leadd parse` reads them back, and `leadd test` runs the shipped rule tests. The counts are merged into PROFILE,
# which the optimized build reads. Run from the checkout (it reads rules/).
set -euo pipefail
build=$1
profdata=$2
profile=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LLVM_PROFILE_FILE="$work/counts/%p.profraw"
now=2026-11-29T00:00:00Z

"$build/leadd-bench" --write-leads 20000 --seed 7 "$work/leads.ndjson"
mkdir -p "$work/spool/inbox"
split -l 5000 -d -a 2 --additional-suffix=.ndjson "$work/leads.ndjson" "$work/spool/inbox/leads-"
"$build/leadd" run --once --settle 0 --spool "$work/spool" --state "$work/state" --rules rules --now "$now" 2>/dev/null

# The same leads through a daemon whose reps have room for them all (every cap lifted): leads go to reps, by sticky
# owners, accounts and rotation, as on a day the team is not full. With the shipped caps, the reps are full after a
# few hundred leads and the rest are queued, so the assigned path would be trained on those few. The shipped rule
# tests, which the daemon runs as it starts, expect the caps: they stay out.
cp -r rules "$work/uncapped"
rm -r "$work/uncapped/tests"
sed -i -E 's/caps: \{[^}]*\}/caps: {day: 1000000, week: 1000000}/' "$work/uncapped/assignment.yaml"
mkdir -p "$work/uncapped-spool/inbox"
cp "$work"/spool/archive/*.ndjson "$work/uncapped-spool/inbox/"
"$build/leadd" run --once --settle 0 --spool "$work/uncapped-spool" --state "$work/uncapped-state" \
    --rules "$work/uncapped" --now "$now" 2>/dev/null

cp -r rules "$work/candidate"
sed -i 's/{stage: mql, when: score >= 40}/{stage: mql, when: score >= 45}/' "$work/candidate/qualification.yaml"
"$build/leadd" replay --candidate "$work/candidate" --rules rules --spool "$work/spool" --no-owners >/dev/null
"$build/leadd" replay --candidate "$work/candidate" --rules rules --spool "$work/spool" >/dev/null

# About 2% of the leads are messy on purpose: score and parse report them and exit with status 1, which is expected
# here; any other failure (a crash) stops the build.
bad_records_only() { "$@" >/dev/null 2>&1 || [ $? -eq 1 ]; }
bad_records_only "$build/leadd" score "$work/leads.ndjson" --rules rules --now "$now" --format json
bad_records_only "$build/leadd" parse "$work/leads.ndjson"
"$build/leadd" test --rules rules >/dev/null

"$profdata" merge -o "$profile" "$work"/counts/*.profraw
