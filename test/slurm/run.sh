#!/usr/bin/env bash
# The real Slurm test of partitioned runs (issue 11). Starts a one-node Slurm cluster
# (cluster.sh) and five local sites (serve.ts, outliving the jobs), crawls them once on one
# machine, then as `sbatch --array=0-2 --wait` of `crawl` (I/N from SLURM_ARRAY_TASK_ID),
# merging after each round until merge says done. In one round the task that owns the
# Crawl-delay host is cancelled mid-run (scancel) and submitted again: it must resume.
# Then filter and shard both, and compare.ts checks kept set, samples and the servers' logs.
# Needs root and `slurmctld slurmd slurm-client munge` (.ci/run installs them); run serially.
# Usage: test/slurm/run.sh   (KEEP=1 keeps the run dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
export ALIGN_CORPUS=${ALIGN_CORPUS:-$(cd "$REPO/.." && pwd)/shared/corpus}
[ -d "$ALIGN_CORPUS" ] || ALIGN_CORPUS=/work/shared/corpus
[ -f dist/src/cli/main.js ] || npm run build >/dev/null
RUN=$(mktemp -d /tmp/align-slurm-XXXXXX)
N=3
CLI=(node "$REPO/bin/align-data.js")
# shellcheck source=test/slurm/cluster.sh
source test/slurm/cluster.sh
SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  cluster_stop
  [ "${KEEP:-}" = 1 ] && echo "kept $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT
json() { node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(eval("j."+process.argv[1]))' "$1"; }

node --import tsx test/slurm/serve.ts "$RUN" 1 >"$RUN/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 300); do [ -s "$RUN/web.json" ] && break; sleep 0.1; done
SEED=$(json seed <"$RUN/web.json")
SLOW=$(json 'origins[4]' <"$RUN/web.json")
cat >"$RUN/config.json" <<CONF
{ "crawl": { "scope": { "mode": "any" }, "maxDepth": 20, "retries": 0, "perHostConcurrency": 1 }, "filter": { "imagesPerAlt": { "max": 6 } } }
CONF

echo "== one machine"
"${CLI[@]}" crawl --data-dir "$RUN/single" --config "$RUN/config.json" --seeds "$SEED" --json >"$RUN/single-crawl.json" 2>&1
for stage in filter shard; do
  "${CLI[@]}" $stage --data-dir "$RUN/single" --config "$RUN/config.json" --json >"$RUN/single-$stage.json" 2>&1
done

kill -USR2 "$SERVE_PID" # the servers' logs: one machine's requests end here
echo "== slurm"
cluster_start "$RUN/slurm"
mkdir -p "$RUN/logs"
cat >"$RUN/crawl.sbatch" <<JOB
#!/bin/bash
#SBATCH --job-name=align-crawl
#SBATCH --output=$RUN/logs/crawl-%A_%a.out
#SBATCH --error=$RUN/logs/crawl-%A_%a.err
exec node $REPO/bin/align-data.js crawl --data-dir $RUN/part-\$SLURM_ARRAY_TASK_ID --config $RUN/config.json --seeds $SEED --json
JOB
SLOW_PART=$(node -e "import('$REPO/dist/src/util/partition.js').then((m) => console.log(m.hostPartition(new URL('$SLOW').host, $N)))")
echo "the Crawl-delay host $SLOW belongs to partition $SLOW_PART"

killed=0
for round in $(seq 10); do
  sbatch --parsable --wait --array=0-$((N - 1)) "$RUN/crawl.sbatch" >"$RUN/job-$round" &
  SB=$!
  if [ $killed = 0 ]; then
    # The slow host takes its owner several seconds (1 s between requests): cancel that task mid-run.
    for _ in $(seq 600); do
      JOB=$(cat "$RUN/job-$round" 2>/dev/null || true)
      if [ -n "$JOB" ]; then
        secs=$(squeue -h -j "${JOB}_${SLOW_PART}" -o %M 2>/dev/null | awk -F: 'NF==2 {print $1*60+$2}')
        if [ -n "$secs" ] && [ "$secs" -ge 6 ]; then
          scancel "${JOB}_${SLOW_PART}"
          killed=1
          echo "round $round: cancelled task $SLOW_PART after ${secs} s"
          break
        fi
      fi
      kill -0 $SB 2>/dev/null || break
      sleep 0.5
    done
  fi
  if ! wait $SB; then
    [ $killed = 1 ] || { echo "FAIL: the array failed"; exit 1; }
    sleep 2 # past the Crawl-delay: a new run does not know when the killed one last asked
    # Submitted on its own, the index is an array of one: the count comes from ALIGN_DATA_PARTITIONS.
    JOB=$(sbatch --parsable --wait --export=ALL,ALIGN_DATA_PARTITIONS=$N --array="$SLOW_PART" "$RUN/crawl.sbatch")
    resumed=$(json resumed <"$RUN/logs/crawl-${JOB}_${SLOW_PART}.out")
    [ "$resumed" = true ] || { echo "FAIL: the re-run task did not resume"; exit 1; }
    echo "round $round: task $SLOW_PART re-run, resumed"
  fi
  "${CLI[@]}" merge --into "$RUN/merged" $(for i in $(seq 0 $((N - 1))); do echo "$RUN/part-$i"; done) --json >"$RUN/merge-$round.json" 2>>"$RUN/merge.err"
  echo "round $round: handed over $(json handedOver <"$RUN/merge-$round.json"), pending $(json pending <"$RUN/merge-$round.json")"
  [ "$(json done <"$RUN/merge-$round.json")" = true ] && break
done
[ "$(json done <"$RUN/merge-$round.json")" = true ] || { echo "FAIL: no fixpoint after $round rounds"; exit 1; }
[ $killed = 1 ] || { echo "FAIL: the slow task was never cancelled"; exit 1; }

"${CLI[@]}" filter --data-dir "$RUN/merged" --config "$RUN/config.json" --json >"$RUN/merged-filter.json" 2>&1
"${CLI[@]}" shard --data-dir "$RUN/merged" --config "$RUN/config.json" --json >"$RUN/merged-shard.json" 2>&1
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || true
SERVE_PID=
node --import tsx test/slurm/compare.ts "$RUN" "$RUN/single" "$RUN/merged" 1
echo "slurm test passed"
