#!/usr/bin/env bash
# Stops servers started by up.sh (all of them when none is named). Data stays in
# ops/.run/data; pass --wipe to delete it too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wipe=0
servers=()
for a in "$@"; do
  if [[ "$a" == --wipe ]]; then wipe=1; else servers+=("$a"); fi
done
[[ ${#servers[@]} -eq 0 || "${servers[0]}" == all ]] && servers=("${ALL_SERVERS[@]}")

for s in "${servers[@]}"; do
  f="$INFRA_DIR/servers/$s.sh"
  [[ -f "$f" ]] || die "unknown server '$s' (known: ${ALL_SERVERS[*]})"
  # shellcheck disable=SC1090
  source "$f"
  fn=${s//-/_}
  "${fn}_stop"
  log "$s: stopped"
  if ((wipe)); then
    rm -rf "${DATA_DIR:?}/$s"
  fi
done
