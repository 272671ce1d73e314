#!/bin/sh
# The command, 3 times, each in a fresh memory cgroup "hc" limited to 2G (made under this
# session's own memory cgroup), `holdconn limits` first in the same cgroup.
H=/tmp/hc23-fig/holdconn
OUT=/tmp/hc23-fig
ME=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
CG=/sys/fs/cgroup/memory$ME/hc
for i in 1 2 3; do
	mkdir $CG && echo 2G > $CG/memory.limit_in_bytes
	(echo $$ > /dev/null; sh -c "echo \$\$ > $CG/cgroup.procs; exec $H limits --json" > $OUT/limits-$i.json 2>&1)
	(sh -c "echo \$\$ > $CG/cgroup.procs; exec $H bench --conns 1000000 --report-every 100000" > $OUT/bench-$i.txt 2>&1; echo "exit status $?" >> $OUT/bench-$i.txt)
	echo "max_usage_in_bytes $(cat $CG/memory.max_usage_in_bytes); $(grep oom_kill $CG/memory.oom_control | tr '\n' ' ')" >> $OUT/bench-$i.txt
	while ! rmdir $CG 2>/dev/null; do sleep 0.2; done
done
