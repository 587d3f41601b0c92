#!/usr/bin/env bash
# A real single-node Slurm cluster (no mock): starts munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm with a private configuration in a
# temporary directory (own ports and socket, so a system Slurm is untouched),
# writes sbatch scripts with `pactsim slurm`, submits a sweep as a job array
# (chunks of points, merged by the last chunk), as one MPI job and as an array
# requeued while it runs (scontrol requeue: the tasks resume their chunks), and a
# calibration as a 2-rank MPI job requeued mid-run (it resumes from its
# checkpoint), waits (bounded), and checks that each result equals the local
# run (h5diff of /sweep, or of the posterior's groups). Every daemon it started is stopped by process id on exit, even on
# failure. Needs root (Slurm's daemons), slurm-wlm, munge and OpenMPI
# (tools/install-cluster-deps.sh) and an MPI build of pactsim.
#
# usage: bash tests/cluster/test_slurm.sh PACTSIM SOURCE_DIR   (run by .ci/run)
set -uo pipefail
PACTSIM=$(readlink -f "${1:?usage: test_slurm.sh PACTSIM SOURCE_DIR}")
SRC=$(readlink -f "${2:?usage: test_slurm.sh PACTSIM SOURCE_DIR}")
WAIT=${PACTSIM_SLURM_WAIT:-300}     # seconds a job may take
[ "$(id -u)" -eq 0 ] || { echo "test_slurm: needs root (slurmd, munged)" >&2; exit 2; }
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo mpirun h5diff setpriv; do
    command -v "$c" >/dev/null || { echo "test_slurm: $c not found (tools/install-cluster-deps.sh)" >&2; exit 2; }
done

T=$(mktemp -d /tmp/pactsim-slurm.XXXXXX)
chmod 755 "$T"
PIDS=()
JOBS=()
pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
cleanup() {
    local p i
    for j in "${JOBS[@]}"; do scancel "$j" 2>/dev/null; done
    [ ${#JOBS[@]} -gt 0 ] && sleep 2
    # Stop in reverse order of start: slurmd, slurmctld, munged.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        p=${PIDS[i]}
        kill -TERM "$p" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    if [ "$failed" -ne 0 ] || [ "${KEEP_LOGS:-0}" = 1 ]; then
        for f in "$T"/log/*.log "$T"/*.log; do
            [ -e "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
        done >&2
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free TCP ports for slurmctld and slurmd.
read -r CTLD_PORT SLURMD_PORT < <(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
HOST=$(hostname -s)
mkdir -p "$T"/munge "$T"/state "$T"/spool "$T"/log "$T"/run "$T"/work
chown munge:munge "$T"/munge
chown slurm:slurm "$T"/state "$T"/spool "$T"/log "$T"/run
chmod 755 "$T"/munge   # slurmctld (the slurm user) must reach the socket

# munged as the munge user, in the foreground (its pid is ours), own socket.
SOCK="$T/munge/munge.socket"
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F --force \
    --socket="$SOCK" --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
    --seed-file="$T/munge/munged.seed" --key-file=/etc/munge/munge.key >"$T/munge/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { bad "munged did not start"; exit 1; }

NODE=$(slurmd -C 2>/dev/null | head -1)
case "$NODE" in NodeName=*) ;; *) NODE="NodeName=$HOST CPUs=$(nproc)" ;; esac
export SLURM_CONF="$T/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=pactsimci
SlurmctldHost=$HOST
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
SlurmdTimeout=60
$NODE State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
/usr/sbin/slurmctld -D -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 60); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -1)
    case "$state" in idle|mixed|allocated) break ;; esac
    sleep 1
done
case "$state" in idle|mixed|allocated) ok ;; *) bad "the node is '$state', not idle, after 60 s"; exit 1 ;; esac
echo "slurm up: node $HOST ($state), ports $CTLD_PORT/$SLURMD_PORT"

# The jobs run as root here; OpenMPI needs these (sbatch exports the environment).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

wait_job() {  # wait_job ID: until it leaves the queue (bounded by $WAIT)
    local t=0
    while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do
        [ "$t" -ge "$WAIT" ] && { bad "job $1 still queued or running after $WAIT s"; scontrol show job "$1" >&2; return 1; }
        sleep 1; t=$((t + 1))
    done
    echo "job $1 done after ${t}s"
}

# relaunch_unstarted JOB [TASK...]: Slurm itself may fail to start a job it requeued:
# rescheduled at once, before the old credential's revocation has passed, it logs "Killing
# non-startable batch JobId=N: Job credential revoked" and the job ends FAILED without running its
# script (seen in CI). Such a job or array task, and only such a one, is requeued again and waited
# for; one whose script ran and failed is left failed.
relaunch_unstarted() {
    local id=$1 t name jid
    shift
    for t in "${@:--}"; do
        name=$id
        [ "$t" != - ] && name=${id}_$t
        jid=$id
        [ "$t" != - ] && jid=$(grep -o "Allocate JobId=${name}([0-9]*)" "$T/log/slurmctld.log" 2>/dev/null |
            tail -1 | sed 's/.*(\([0-9]*\))/\1/')
        if [ -n "$jid" ] && grep -q "Killing non-startable batch JobId=$jid:" "$T/log/slurmctld.log" &&
            grep -q "JobState=FAILED" <<< "$(scontrol show job "$name" 2>/dev/null)"; then
            echo "note: Slurm did not start requeued job $name (JobId=$jid); requeueing it again"
            scontrol requeue "$name" && sleep 1
            scontrol update JobId="$name" StartTime=now 2>/dev/null
            wait_job "$id"
        fi
    done
}

SPEC="$SRC/tests/configs/sweep/lhs.yaml"
cd "$T/work"
"$PACTSIM" sweep "$SPEC" -o local.h5 --threads 2 --quiet || bad "the local sweep failed"

# Array mode: 3 chunks of points, merged by the last one to finish.
if "$PACTSIM" slurm "$SPEC" -o array.sbatch --result "$T/work/array.h5" --chunks 3 --time 00:10:00 --partition ci; then ok
else bad "pactsim slurm (array) failed"; fi
grep -q -- "--array=0-2" array.sbatch && grep -q -- "--requeue" array.sbatch && ok || bad "array script: $(cat array.sbatch)"
id=$(sbatch --parsable array.sbatch) && JOBS+=("$id") && ok || bad "sbatch array.sbatch failed"
[ -n "${id:-}" ] && wait_job "$id"
if [ -e array.h5 ] && h5diff -q local.h5 array.h5 /sweep /sweep; then ok
else bad "array job: array.h5 missing or /sweep differs from the local run: $(ls; cat array.h5.slurm-*.log 2>/dev/null | tail -20; scontrol show job "${id:-0}" 2>&1 | grep -E 'JobState|ExitCode')"; fi
[ "$(ls array.h5.chunk*-of3.h5 2>/dev/null | wc -l)" -eq 3 ] && ok || bad "expected 3 chunk files: $(ls)"
# Resubmitting a finished sweep is a no-op for every task.
sum=$(md5sum < array.h5)
id=$(sbatch --parsable array.sbatch) && JOBS+=("$id") && wait_job "$id"
[ "$(md5sum < array.h5)" = "$sum" ] && ok || bad "resubmitting the array job changed array.h5"

# MPI mode: one job of 2 ranks.
if "$PACTSIM" slurm "$SPEC" -o mpi.sbatch --result "$T/work/mpi.h5" --mode mpi --ntasks 2 --time 00:10:00; then ok
else bad "pactsim slurm (mpi) failed"; fi
id=$(sbatch --parsable mpi.sbatch) && JOBS+=("$id") && ok || bad "sbatch mpi.sbatch failed"
[ -n "${id:-}" ] && wait_job "$id"
if [ -e mpi.h5 ] && h5diff -q local.h5 mpi.h5 /sweep /sweep; then ok
else bad "mpi job: mpi.h5 missing or /sweep differs from the local run: $(ls; cat mpi.h5.slurm-*.log 2>/dev/null | tail -20; scontrol show job "${id:-0}" 2>&1 | grep -E 'JobState|ExitCode')"; fi
grep -q "(0): 2" <<< "$(h5dump -a /provenance/mpi_ranks mpi.h5 2>/dev/null)" && ok || bad "mpi.h5 was not written by 2 ranks"
compgen -G "mpi.h5.rank*" >/dev/null && bad "rank files left: $(ls)" || ok

# Requeue mid-run: a longer sweep (3,200 runs) as a 2-chunk array; once a chunk has
# started writing, `scontrol requeue` kills the tasks (SIGTERM, then SIGKILL) and
# queues them again; they resume their chunks and the result equals the local run.
SPEC2="$SRC/tests/configs/sweep/resume.yaml"
"$PACTSIM" sweep "$SPEC2" -o local2.h5 --threads 2 --quiet || bad "the local sweep (resume.yaml) failed"
"$PACTSIM" slurm "$SPEC2" -o requeue.sbatch --result "$T/work/requeue.h5" --chunks 2 --time 00:10:00 && ok \
    || bad "pactsim slurm (requeue) failed"
id=$(sbatch --parsable requeue.sbatch) && JOBS+=("$id") && ok || bad "sbatch requeue.sbatch failed"
requeued=0
for _ in $(seq 200); do
    if compgen -G "requeue.h5.chunk*-of2.h5.partial" >/dev/null; then
        sleep 1
        scontrol requeue "$id" && requeued=1
        # Slurm holds a requeued job back (BeginTime about 2 minutes on); start it now.
        for _ in $(seq 30); do
            grep -q PENDING <<< "$(squeue -h -j "$id" -o %T 2>/dev/null)" && break
            sleep 0.5
        done
        for t in 0 1; do scontrol update JobId="${id}_$t" StartTime=now 2>/dev/null; done
        scontrol update JobId="$id" StartTime=now 2>/dev/null
        break
    fi
    sleep 0.1
done
[ "$requeued" = 1 ] && ok || bad "could not requeue job $id while it ran"
[ -n "${id:-}" ] && wait_job "$id"
relaunch_unstarted "$id" 0 1
if [ -e requeue.h5 ] && h5diff -q local2.h5 requeue.h5 /sweep /sweep; then ok
else bad "requeued array job: requeue.h5 missing or /sweep differs: $(ls; tail -5 requeue.h5.slurm-*.log 2>/dev/null)"; fi
grep -q "Requeue=1\|Restarts=[1-9]" <(scontrol show job "${id}_0" 2>/dev/null; scontrol show job "${id}_1" 2>/dev/null) && ok \
    || bad "job $id shows no restart: $(scontrol show job "$id" 2>&1 | grep -E 'Restarts|JobState')"

# A calibration as one MPI job of 2 ranks (pactsim slurm --calibrate), requeued
# once its first generation is checkpointed: the requeued job resumes from
# the checkpoint and the posterior equals a local single-process run's.
# The twin runs to 2079 (its observations end in 2023, so the posterior is the
# twin's) to take ~0.4 s a generation: at 2023 all 8 took 0.1 s and a job
# could finish before the requeue reached it (CI on 56dfc7c). A job that
# finished anyway is submitted again from nothing (up to 3 tries, each said).
CD="$SRC/tests/configs/calib"
sed -e "s|^end: .*|end: 2079-12|" "$CD/twin.yaml" > twin_long.yaml
sed -e "s|^base: .*|base: $T/work/twin_long.yaml|" -e "s|^observations: .*|observations: [$CD/twin_obs.csv]|" \
    -e "s|^particles: .*|particles: 120|" -e "s|^generations: .*|generations: 8|" "$CD/twin_calib.yaml" > calib.yaml
"$PACTSIM" calibrate calib.yaml -o local_post.h5 --threads 2 --quiet || bad "the local calibration failed"
"$PACTSIM" slurm calib.yaml --calibrate -o calib.sbatch --result "$T/work/post.h5" --ntasks 2 --time 00:10:00 && ok \
    || bad "pactsim slurm --calibrate failed"
requeued=0
for try in 1 2 3; do
    rm -f post.h5 post.h5.partial post.h5.slurm-*.log
    id=$(sbatch --parsable calib.sbatch) && JOBS+=("$id") || { bad "sbatch calib.sbatch failed"; break; }
    for _ in $(seq 300); do
        if [ -e post.h5.partial ]; then
            scontrol requeue "$id" && requeued=1
            for _ in $(seq 30); do
                grep -q PENDING <<< "$(squeue -h -j "$id" -o %T 2>/dev/null)" && break
                sleep 0.5
            done
            scontrol update JobId="$id" StartTime=now 2>/dev/null
            break
        fi
        [ -e post.h5 ] && break
        sleep 0.1
    done
    [ "$requeued" = 1 ] || break
    wait_job "$id"
    relaunch_unstarted "$id"
    grep -q "from the checkpoint" post.h5.slurm-*.log 2>/dev/null && break
    [ "$try" -lt 3 ] && { echo "note: calibration job $id ended before the requeue reached it (try $try); again"; requeued=0; }
done
[ -n "${id:-}" ] && ok || bad "no calibration job was submitted"
[ "$requeued" = 1 ] && ok || bad "could not requeue calibration job $id while it ran"
same_post=1
for g in /posterior /generations /discrepancy; do
    h5diff -q local_post.h5 post.h5 $g $g >/dev/null 2>&1 || same_post=0
done
if [ -e post.h5 ] && [ "$same_post" = 1 ]; then ok
else bad "calibration job: post.h5 missing or differs from the local run: $(ls; tail -20 post.h5.slurm-*.log 2>/dev/null)"; fi
grep -q "(0): 2" <<< "$(h5dump -a /provenance/mpi_ranks post.h5 2>/dev/null)" && ok || bad "post.h5 was not written by 2 ranks"
grep -q "from the checkpoint" post.h5.slurm-*.log && ok || bad "the requeued calibration did not resume: $(tail -20 post.h5.slurm-*.log 2>/dev/null)"
grep -q "Restarts=[1-9]" <(scontrol show job "$id" 2>/dev/null) && ok \
    || bad "calibration job $id shows no restart: $(scontrol show job "$id" 2>&1 | grep -E 'Restarts|JobState')"
compgen -G "post.h5.*" | grep -v slurm- >/dev/null && bad "files left beside post.h5: $(ls)" || ok

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
