#!/usr/bin/env bash
# The objective study (docs/objective.md): psc, cosine-softmax, and dl2pa / fixed with each
# loss, on the font sets and Fashion-MNIST, with the gap to psc split into the sphere's cost
# (psc − cosine-softmax), the cost of fixing the vectors (cosine-softmax − fixed) and what the
# assignment adds (dl2pa − fixed). Each PART trains into experiments/objective/ (resumable:
# finished runs are read back, killed ones resume) and writes docs/results/objective-PART.md.
#   sweep    alnum (K = 62), d = 2, 3, 5, 10: the scale s of cosine-softmax and --loss ce
#   alnum    alnum, d = 2, 3, 5, 10: every method and loss
#   lgc      lgc (K = 127), d = 3, 5, 10: the same
#   fm       Fashion-MNIST, d = 2, 8 epochs (as the dims table of docs/results.md): the same
#   cjk-mlp  cjk (K = 3 755), d = 8, MLP (30 epochs)
#   cjk-cnn  cjk, d = 8, the CNN (8 epochs, as docs/results/fonts-cnn-cjk.md)
#   assign   alnum as above: dl2pa's first σ random or from the untrained class means, and
#            without the BatchNorm head and with a faster class-mean EMA
# SEEDS (default "0 1 2") and SETTINGS (default: the part's) narrow a part; JOBS=2 runs two
# trainings at once (one thread each: the same bits); TABLE=NAME writes the table to
# docs/results/objective-PART-NAME.md instead (a side study beside the part's main table).
# Usage: [JOBS=2] [SEEDS="0 1 2"] [SETTINGS="..."] [TABLE=NAME] bash docs/results/objective.sh PART
set -euo pipefail
source "$(dirname "$0")/common.sh"
PART="${1:?usage: bash docs/results/objective.sh sweep|alnum|lgc|fm|cjk-mlp|cjk-cnn}"
FONTS="${FONTS:-/usr/share/fonts}"
ALL="psc cosine-softmax dl2pa-cos dl2pa-ce fixed-cos fixed-ce"
case "$PART" in
  sweep)   DATA="fonts:$FONTS,chars=alnum"; K=62; DIMS="2 3 5 10"; EXTRA=""
           DEFAULT="cosine-softmax-s8 cosine-softmax-s16 cosine-softmax-s32 dl2pa-ce-s8 dl2pa-ce-s16 dl2pa-ce-s32" ;;
  alnum)   DATA="fonts:$FONTS,chars=alnum"; K=62; DIMS="2 3 5 10"; EXTRA=""; DEFAULT="$ALL" ;;
  lgc)     DATA="fonts:$FONTS,chars=lgc"; K=127; DIMS="3 5 10"; EXTRA=""; DEFAULT="$ALL" ;;
  fm)      DATA="fashion-mnist"; K=10; DIMS="2"; EXTRA="--epochs 8"; DEFAULT="$ALL" ;;
  cjk-mlp) DATA="fonts:$FONTS,chars=cjk"; K=3755; DIMS="8"; EXTRA=""; DEFAULT="$ALL" ;;
  assign)  DATA="fonts:$FONTS,chars=alnum"; K=62; DIMS="2 3 5 10"; EXTRA=""
           DEFAULT="dl2pa-cos dl2pa-cos-means fixed-cos dl2pa-ce dl2pa-ce-means fixed-ce" ;;
  cjk-cnn) DATA="fonts:$FONTS,chars=cjk"; K=3755; DIMS="8"; EXTRA="--backbone cnn --epochs 8"
           DEFAULT="dl2pa-ce cosine-softmax fixed-ce" ;;
  *) echo "unknown part $PART" >&2; exit 2 ;;
esac
SETTINGS="${SETTINGS:-$DEFAULT}"
OUT="experiments/objective/$PART"
[ "$PART" = assign ] && OUT=experiments/objective/alnum  # the alnum runs are read back
mkdir -p "$OUT"

# The flags of a setting: METHOD-LOSS (cosine-softmax has no loss), then any of the suffixes
# -sSCALE (--scale SCALE), -means (--assign-init means), -nobn (--head-bn false), -ema5
# (--ema-momentum 0.5), -lrRATE (--lr RATE), -vwE (--vector-warmup E), -aeN (--assign-every
# N), -mX (X·K prototypes for the K classes: --prototypes, see protos), -epN (--epochs N,
# in place of the part's), -mgM (--margin M) and -lsE (--label-smoothing E), in that order.
# flags SETTING D SEED
flags() {
  local name="$1" more=""
  while :; do
    case "$name" in
      *-ls[0-9]*) more="--label-smoothing ${name##*-ls} $more"; name="${name%-ls*}" ;;
      *-mg[0-9]*) more="--margin ${name##*-mg} $more"; name="${name%-mg*}" ;;
      *-ep[0-9]*) more="--epochs ${name##*-ep} $more"; name="${name%-ep*}" ;;
      *-m[0-9]*) more="--prototypes $(protos "${name##*-m}" "$2" "$3") $more"; name="${name%-m*}" ;;
      *-ae[0-9]*) more="--assign-every ${name##*-ae} $more"; name="${name%-ae*}" ;;
      *-vw[0-9]*) more="--vector-warmup ${name##*-vw} $more"; name="${name%-vw*}" ;;
      *-means) more="--assign-init means $more"; name="${name%-means}" ;;
      *-nobn) more="--head-bn false $more"; name="${name%-nobn}" ;;
      *-ema5) more="--ema-momentum 0.5 $more"; name="${name%-ema5}" ;;
      *-lr[0-9]*) more="--lr ${name##*-lr} $more"; name="${name%-lr*}" ;;
      *-s[0-9]*) more="--scale ${name##*-s} $more"; name="${name%-s*}" ;;
      *) break ;;
    esac
  done
  case "$name" in
    psc) echo "--method psc $more" ;;
    cosine-softmax) echo "--method cosine-softmax $more" ;;
    dl2pa-*|fixed-*) echo "--method ${name%%-*} --loss ${name#*-} $more" ;;
    *) echo "unknown setting $name" >&2; exit 2 ;;
  esac
}

# protos X D SEED: the file of X·K prototypes in R^D (annealed-fused, seeded), made once on
# every core before the trainings start and shared by the settings that name it.
protos() { echo "experiments/objective/protos/k$K-m$1-d$2-s$3.npy"; }
mkdir -p experiments/objective/protos
for seed in ${SEEDS:-0 1 2}; do
  for d in $DIMS; do
    for s in $SETTINGS; do
      case "$s" in *-m[0-9]*) ;; *) continue ;; esac
      x="${s##*-m}"; f="$(protos "$x" "$d" "$seed")"
      [ -f "$f" ] || "$BIN" --device cpu prototypes -k "$((x * K))" -d "$d" --seed "$seed" \
        --method annealed-fused -o "$f" > /dev/null
    done
  done
done
for seed in ${SEEDS:-0 1 2}; do
  for d in $DIMS; do
    for s in $SETTINGS; do
      extra="$EXTRA"
      case "$s" in *-ep[0-9]*) extra="$(echo "$EXTRA" | sed 's/--epochs [0-9]*//')" ;; esac
      # shellcheck disable=SC2046
      in_pool train_run "$OUT/$s/d$d-s$seed" --data "$DATA" --dim "$d" --seed "$seed" \
        $extra $(flags "$s" "$d" "$seed")
    done
  done
done
pool_wait
{
  echo "Made by \`SEEDS=\"${SEEDS:-0 1 2}\" SETTINGS=\"$SETTINGS\"${TABLE:+ TABLE=$TABLE} bash docs/results/objective.sh $PART\` — $STAMP."
  echo
  echo "Data \`$DATA\`${EXTRA:+, flags \`$EXTRA\`}; a setting METHOD-LOSS[-sS][-means][-nobn][-ema5][-lrR][-vwE][-aeN][-mX][-epN][-mgM][-lsE] is \`--method METHOD --loss LOSS [--scale S] [--assign-init means] [--head-bn false] [--ema-momentum 0.5] [--lr R] [--vector-warmup E] [--assign-every N] [--prototypes (X·K of them)] [--epochs N] [--margin M] [--label-smoothing E]\` (without -sS, the default scale), other flags the trainer's defaults."
  echo
  python3 docs/results/objective.py "$OUT" $SETTINGS
} > "docs/results/objective-$PART${TABLE:+-$TABLE}.md"
cat "docs/results/objective-$PART${TABLE:+-$TABLE}.md"
