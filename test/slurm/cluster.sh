# A one-node Slurm cluster from Debian's packages, for the Slurm test (see run.sh).
# Source it, then: cluster_start DIR; ...; cluster_stop. Stops only the PIDs it started.
# What matters here is in ../shared/notes/slurm-local.md (munge as its user, the node line
# from `slurmd -C`, no batch delay, MinJobAge=4 so `sbatch --wait` polls every 2 s).

CLUSTER_PIDS=()

cluster_start() {
  local dir=$1 host
  host=$(hostname -s)
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    [ -f /etc/munge/munge.key ] || mungekey --create
    mkdir -p /run/munge && chown munge:munge /run/munge
    setpriv --reuid=munge --regid=munge --init-groups munged -F >>"$dir/log/munged.out" 2>&1 &
    CLUSTER_PIDS+=($!)
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  cat >"$dir/slurm.conf" <<CONF
ClusterName=align
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
MinJobAge=4
$(slurmd -C | head -1) NodeAddr=127.0.0.1
PartitionName=align Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -D -i -f "$SLURM_CONF" >>"$dir/log/slurmctld.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  slurmd -D -f "$SLURM_CONF" >>"$dir/log/slurmd.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  for _ in $(seq 200); do sinfo -h -o %T 2>/dev/null | grep -q idle && return 0; sleep 0.1; done
  echo "slurm did not come up; see $dir/log" >&2
  return 1
}

cluster_stop() {
  local pid i
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CLUSTER_PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
}
