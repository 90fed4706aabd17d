#!/bin/bash
# Slurm: the nightly job as a 4-task job array, then the docs merge once every task
# succeeded. Submit from a login node (or from cron there): `examples/slurm-nightly.sh`.
#
# Each array task gets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and
# SLURM_ARRAY_TASK_COUNT from Slurm; dqbatch run takes shard ID - MIN of COUNT from them
# (use a contiguous range like 0-3 or 1-4, not a step). The site, the journals and the
# reports live on a shared file system. Keep the task count the same from night to
# night: each shard's journal remembers its own destinations.
set -euo pipefail
shards=${DQ_SHARDS:-4}
job=${DQ_JOB:-/shared/dqbatch/nightly.yaml}
site=${DQ_SITE:-/shared/dqbatch/site}
logs=${DQ_LOGS:-/shared/dqbatch/logs}
mkdir -p "$logs"

# DQ_SHARD names each task's journal and report in the job file (see nightly.yaml).
array=$(sbatch --parsable --job-name=dq-nightly --array="0-$((shards - 1))" \
    --cpus-per-task=4 --mem=2G --time=04:00:00 --output="$logs/shard-%a.log" \
    --wrap="DQ_SHARD=\$SLURM_ARRAY_TASK_ID exec dqbatch run '$job' --quiet")

# afterok: only when every task of the array exited 0. A task that exits 1 (some
# notifications failed) holds the merge back; resubmit it and the journal sends only
# what is missing.
sbatch --parsable --job-name=dq-nightly-merge --dependency="afterok:$array" \
    --cpus-per-task=1 --mem=1G --time=00:30:00 --output="$logs/merge.log" \
    --wrap="exec dqbatch docs merge '$site' -o '$site'"
echo "submitted array $array and its merge"
