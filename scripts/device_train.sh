#!/usr/bin/env bash
# Train VLA variants on a lent GPU machine from packs, in ONE call (under its 10-minute limit).
#
# Packs (python -m promptbot.policy.pack, *.pack.npz: 64 px frames as H.264 + their
# instruction embeddings) are carried in .devcarry/packs/; the machine needs neither
# pybullet nor the sentence encoder. Evaluation runs afterwards on the CPU machine
# (promptbot eval-policy), where the simulator is.
#
#   VARIANTS="gpu gpu-large" TRAIN_MIN=6 OUT=/tmp/out scripts/device_train.sh
#
# Writes to $OUT: <variant>.pt (best checkpoint), train_<variant>.json (metrics),
# bench_vla_gpu.json (latency of the first variant on this machine), log.txt
set -u
T0=$(date +%s)
OUT=${OUT:-/tmp/out}
TRAIN_MIN=${TRAIN_MIN:-6}
VARIANTS=${VARIANTS:-"gpu gpu-large gpu-large:chunk=16"}
PACKS=${PACKS:-.devcarry/packs/*.pack.npz}
PY=${PY:-python3}
EXTRA_ARGS=${EXTRA_ARGS:-}          # e.g. "--device cpu --epochs 1" to try the script without a GPU
mkdir -p "$OUT" data/dev
exec > >(tee -a "$OUT/log.txt") 2>&1
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
elapsed() { echo "[$(( $(date +%s) - T0 )) s] $*"; }

nvidia-smi -L || true
$PY -c "import torch, cv2, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'cv2', cv2.__version__)" || exit 1
ls -la $PACKS || exit 1
# decode check: one pack round trip before spending the GPU minutes
$PY -c "
import sys, glob
from promptbot.policy.pack import load_pack
eps = load_pack(sorted(glob.glob('$PACKS'))[0], workers=2, max_segments=8)
print('pack ok:', len(eps), 'segments, first', eps[0]['scene'].shape)" || exit 1

pids=()
for v in $VARIANTS; do
  preset=${v%%:*}; extra=()
  case "$v" in *:chunk=*) extra=(--chunk "${v##*chunk=}");; esac
  name=$(echo "$v" | tr ':=' '__')
  elapsed "train $name: preset $preset ${extra[*]} for $TRAIN_MIN min"
  $PY -m promptbot train --data $PACKS --preset "$preset" "${extra[@]}" $EXTRA_ARGS --max-minutes "$TRAIN_MIN" \
    --out "data/dev/$name" --json > "$OUT/train_$name.json" 2> "data/dev/train_$name.err" &
  pids+=($!)
done
wait "${pids[@]}"
for v in $VARIANTS; do
  name=$(echo "$v" | tr ':=' '__')
  tail -3 "data/dev/train_$name.err"
  cp "data/dev/$name/best.pt" "$OUT/$name.pt" || echo "no checkpoint for $name"
  $PY -c "import json; m=json.load(open('$OUT/train_$name.json')); print('$name', m['steps'], 'steps, best val L1', m['best_val_l1'], 'minutes', round(m['minutes'], 2))" || true
done
first=$(echo "$VARIANTS" | awk '{print $1}' | tr ':=' '__')
elapsed "bench vla (GPU) on $first"
timeout 120 $PY -m promptbot bench vla --checkpoint "$OUT/$first.pt" --iters 300 --json > "$OUT/bench_vla_gpu.json" \
  || echo "bench failed"
elapsed "done"
