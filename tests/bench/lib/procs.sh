# procs.sh: what the shell benchmarks share (sourced from the repository root; run.sh runs only
# tests/bench/*.sh, so this folder is not run as a benchmark).
#
#   stop_pids    stops every PID in $PIDS: SIGTERM, then SIGKILL after 5 s; empties PIDS
#   stop_pid P   the same for one PID, which it takes out of $PIDS

# Waits up to 5 s for P to exit after its SIGTERM, then kills and reaps it.
_reap_pid() { # pid
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

stop_pids() {
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		_reap_pid "$pid"
	done
	PIDS=""
}

stop_pid() { # pid
	kill -TERM "$1" 2>/dev/null
	_reap_pid "$1"
	rest=""
	for pid in $PIDS; do
		[ "$pid" = "$1" ] || rest="$rest $pid"
	done
	PIDS=$rest
}
