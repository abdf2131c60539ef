#!/usr/bin/env bash
# Issue 19's measurements in one run, one after another, each beside its floor:
# start-up, search (10k, 100k, 1M cases), documents, sync (10k, 100k, 1M events already
# on the server). Meant for a quiet machine: the load average is logged before each.
#
#   bench/run_issue19.sh /tmp/10k /tmp/100k /tmp/million [/tmp/township-cache]
#
# The profiles are made once by `bench/bench_million_cases.py --cases N --keep DIR`.
# bench_documents.py and bench_sync.py rewrite the top of their RESULTS files; the
# start-up and search figures go to bench/issue19-run.log for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
small=$1 medium=$2 large=$3 township=${4:-/tmp/counterdesk-bench-cache}
py=.venv/bin/python
log=bench/issue19-run.log
: > "$log"
step() { echo "== $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg): $*" | tee -a "$log"; }
step start-up
"$py" bench/bench_startup.py "$large" --repeat 7 --scaling "$small" "$medium" "$large" 2>&1 | tee -a "$log"
for profile in "$small" "$medium" "$large"; do
  step "search $profile"
  "$py" bench/bench_million_cases.py --profile "$profile" --repeat 5 2>&1 | tee -a "$log"
done
step documents
"$py" bench/bench_documents.py 2>&1 | tail -n 40 | tee -a "$log"
step sync
"$py" bench/bench_sync.py --township-cache "$township" --repeats 2 \
  --preload 10000,100000,1000000 2>&1 | tail -n 80 | tee -a "$log"
step done
