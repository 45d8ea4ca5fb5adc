#!/usr/bin/env bash
# VLA data collection + training + evaluation in ONE call on a lent GPU machine (16 cores, 1 GPU).
#
# Two phases on the same warm machine (each under the 10-minute call limit):
#   PHASE=collect  build pybullet from a trimmed sdist (16 cores) and collect skill demonstrations
#   PHASE=train    train on the GPU, evaluate on CPU workers, GPU latency benchmark
# Prepared here (see models/MODEL_CARD.md), carried in .devcarry/:
#   pybullet-src-trim.tar.gz  pybullet 3.2.7 sdist without the data files the worlds do not use
#                             (no wheel exists for the machine's Python 3.12)
#   emb.npz                   instruction embeddings of every text the run will see
#                             (python -m promptbot.policy.embeddings): the machine lacks the encoder
# Writes to $OUT: collect.json, best.pt, train_metrics.json, eval.json, bench_vla_gpu.json, log.txt
set -u
T0=$(date +%s)
WORKERS=${WORKERS:-14}
COLLECT_MIN=${COLLECT_MIN:-3.5}
TRAIN_MIN=${TRAIN_MIN:-2.5}
EVAL_EPS=${EVAL_EPS:-2}             # per worker, skill and condition
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT" data/dev
exec > >(tee -a "$OUT/log.txt") 2>&1
export PYTHONPATH="$PWD/data/site:$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
elapsed() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
PHASE=${PHASE:-collect}
PY=${PY:-python3}
export PROMPTBOT_SIM_RENDERER=${PROMPTBOT_SIM_RENDERER:-tiny}   # the EGL plugin crashes on the lent GPU machine
if [ "$PHASE" = collect ]; then
if ! $PY -c "import pybullet" 2>/dev/null; then
  elapsed "building pybullet from source"
  rm -rf data/pbsrc && mkdir -p data/pbsrc data/site && tar xzf .devcarry/pybullet-src-trim.tar.gz -C data/pbsrc
  (cd data/pbsrc/pybullet-3.2.7 && $PY -m pip install -q --no-build-isolation --no-deps --target "$PWD/../../site" . ) \
    > data/pb_build.log 2>&1 || { tail -30 data/pb_build.log; exit 1; }
fi
cp -rn data/pbsrc/pybullet-3.2.7/examples/pybullet/gym/pybullet_data/. data/site/pybullet_data/ 2>/dev/null
cp -f .devcarry/pbdata_extra/* data/site/pybullet_data/
$PY -c "
import os, torch, promptbot.sim.env as e
s = e.SimEnv('tabletop', 0, e.SimConfig(renderer=os.environ['PROMPTBOT_SIM_RENDERER']))
print('sim ok:', s.renderer_name, s.render('scene', 96, 96).rgb.mean(), 'cuda', torch.cuda.is_available())" || exit 1

pids=(); epids=()
# keep the whole phase under COLLECT_DEADLINE_S (the call limit is 600 s)
left=$(( ${COLLECT_DEADLINE_S:-470} - ($(date +%s) - T0) ))
COLLECT_MIN=$(python3 -c "print(max(0.5, min($COLLECT_MIN, $left / 60.0)))")
elapsed "collect: $WORKERS workers x $COLLECT_MIN min"
for w in $(seq 0 $((WORKERS - 1))); do
  OMP_NUM_THREADS=1 $PY -m promptbot.policy.collect_skills --out data/dev/w$w --episodes 400 \
    --seed0 $((w * 400)) --max-minutes "$COLLECT_MIN" --quiet > data/dev/collect_w$w.json 2>data/dev/collect_w$w.err &
  pids+=($!)
done
wait "${pids[@]}"   # (a bare `wait` would also wait for the tee process substitution)
$PY - "$OUT/collect.json" <<'PY'
import glob, json, sys
rows = [json.loads(open(f).read().strip().splitlines()[-1]) for f in glob.glob("data/dev/collect_w*.json") if open(f).read().strip()]
summary = {"workers": len(rows), "episodes": sum(r["episodes"] for r in rows), "errors": sum(r["skipped_errors"] for r in rows)}
idx = [json.load(open(f)) for f in glob.glob("data/dev/w*/index.json")]
summary["successful"] = sum(e["success"] for i in idx for e in i["episodes"])
by = {}
for i in idx:
    for e in i["episodes"]:
        s = e["plan"][0][0]; by.setdefault(s, [0, 0]); by[s][0] += 1; by[s][1] += e["success"]
summary["by_skill_total_success"] = by
json.dump(summary, open(sys.argv[1], "w"), indent=1); print(summary)
PY
elapsed "collect phase done"
exit 0
fi

elapsed "train: $TRAIN_MIN min on the GPU"
$PY -m promptbot train --data data/dev/w* --preset "${PRESET:-gpu}" --embeddings .devcarry/emb.npz \
  --max-minutes "$TRAIN_MIN" --out data/dev/train --json > "$OUT/train_metrics.json"
cp data/dev/train/best.pt "$OUT/best.pt" || exit 1

elapsed "eval: $WORKERS workers x $EVAL_EPS episodes per skill and condition (CPU, torch)"
for w in $(seq 0 $((WORKERS - 1))); do
  OMP_NUM_THREADS=1 $PY -m promptbot eval-policy --checkpoint "$OUT/best.pt" --backend torch \
    --embeddings .devcarry/emb.npz --episodes "$EVAL_EPS" --seed-offset $((w * EVAL_EPS)) \
    --conditions seen,unseen --json > data/dev/eval_w$w.json 2>data/dev/eval_w$w.err &
  epids+=($!)
done
wait "${epids[@]}"
$PY - "$OUT/eval.json" <<'PY'
import glob, json, sys
eps = []
for f in glob.glob("data/dev/eval_w*.json"):
    try:
        eps += json.load(open(f))["episodes"]
    except Exception as exc:
        print("eval shard failed:", f, exc)
res = {}
for e in eps:
    c = res.setdefault(e["condition"], {}).setdefault(e["skill"], [0, 0]); c[0] += 1; c[1] += e["success"]
out = {"results": {c: {s: {"episodes": n, "success": k, "rate": k / n} for s, (n, k) in v.items()} for c, v in res.items()},
       "episodes": eps}
json.dump(out, open(sys.argv[1], "w"), indent=1); print(json.dumps(out["results"], indent=1))
PY
elapsed "bench vla (GPU)"
timeout 60 $PY -m promptbot bench vla --checkpoint "$OUT/best.pt" --iters 200 --json > "$OUT/bench_vla_gpu.json"
elapsed "done"
