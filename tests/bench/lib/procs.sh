# procs.sh: what the shell benchmarks share (sourced from the repository root; run.sh runs only
# tests/bench/*.sh, so this folder is not run as a benchmark).
#
#   stop_pids    stops every PID in $PIDS: SIGTERM, then SIGKILL after 5 s; empties PIDS

stop_pids() {
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS=""
}
