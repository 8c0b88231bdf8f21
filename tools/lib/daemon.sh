# shellcheck shell=bash
# Daemon helpers shared by tools/services and tools/cluster. The caller defines RUN_DIR,
# LOG_DIR and log() before sourcing this file.

# alive PID: the process exists and is not a zombie. Daemons started here are reparented
# to init once up.sh exits, and this machine's init reaps them seconds late; kill -0
# alone would call a zombie alive.
alive() {
    local stat
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# spawn NAME PROGRAM ARGS...: start a daemon in its own session (so it outlives this
# script and its terminal), stdin closed, output appended to logs/NAME.log, and no other
# inherited descriptor: a daemon holding the caller's pipe open (up.sh's stdout, which
# `eval "$(up.sh)"` reads to the end) would hang the caller forever.
spawn() {
    local name=$1
    shift
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        exec setsid "$@"
    ) >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$name.pid"
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_until() {
    local tries=$(($1 * 5))
    shift
    while ((tries-- > 0)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# pid_of NAME [PROGRAM]: the pid recorded for NAME if that process is alive and still runs
# PROGRAM (default NAME); a stale pidfile whose pid was reused does not count.
pid_of() {
    local file=$RUN_DIR/$1.pid program=${2:-$1} pid exe
    [[ -s $file ]] || return 1
    pid=$(<"$file")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    exe=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n1) || return 1
    [[ ${exe##*/} == "$program" ]] || return 1
    echo "$pid"
}

# stop NAME [PROGRAM]: TERM, up to 20 s of grace, then KILL; only the recorded pid.
stop() {
    local pid
    if pid=$(pid_of "$@"); then
        log "stopping $1 (pid $pid)"
        kill -TERM "$pid"
        wait_until 20 eval "! alive $pid" ||
            { log "$1 ignored TERM; killing"; kill -KILL "$pid" 2>/dev/null || true; }
    fi
    rm -f "$RUN_DIR/$1.pid"
}
