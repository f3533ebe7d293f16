# Sourced by the ensure-*.sh scripts, after they define `log`.
#
# Run a long step with its output in a log file and print a heartbeat every 15 s (modules
# downloaded so far), so a cold build (minutes on 2 cores) neither looks hung nor floods the CI
# log with one line per module. On failure, go's own words are shown (download lines left out).
run_with_progress() {
  local what="$1" logfile="$2"; shift 2
  local start=$SECONDS
  "$@" >"$logfile" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null &&
      log "$what: $(grep -c '^go: downloading' "$logfile") modules downloaded, $((SECONDS - start))s"
  done
  if ! wait "$pid"; then
    log "$what failed after $((SECONDS - start))s; go said ($logfile):"
    grep -v '^go: downloading' "$logfile" | tail -n 20 >&2 || true
    return 1
  fi
  log "$what: done in $((SECONDS - start))s"
}
