#!/bin/sh
# Sitting 4 (run from the worktree, build fbc864b = pace): the keepalive ratio, 3 rounds, under the
# caller's machine-lock hold (LOCK= turns off ratio-keepalive.sh's own lock):
#   flock /work/coord/machine.lock env LOCK= sh bench/ratio.sh --keepalive 600000 3
date -u +"start %T"; cat /proc/loadavg
env LOCK= sh bench/ratio.sh --keepalive 600000 3
echo "rc=$?"
date -u +"end %T"; cat /proc/loadavg
