#!/bin/sh
# tools/tune.sh - the sysctls and limits for holding millions of idle TCP
# connections, as `holdconn limits` recommends them.
#
#   sh tools/tune.sh              dry run: each setting as `current -> proposed`
#                                 and the command that would change it
#   sh tools/tune.sh --apply      change them now (root), only ever upwards
#   sh tools/tune.sh --apply --persist
#                                 also write /etc/sysctl.d/90-holdconn.conf and
#                                 /etc/security/limits.d/90-holdconn.conf
#
# Without --apply nothing is touched. A setting already at or above its
# proposal is left alone. RLIMIT_NOFILE belongs to the shell that starts
# holdconn: this script can only print the `ulimit -n` to run there.
set -eu

apply=0
persist=0
for a in "$@"; do
	case $a in
	--apply) apply=1 ;;
	--persist) persist=1 ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "tune.sh: unknown argument '$a' (--apply, --persist, --help)" >&2; exit 2 ;;
	esac
done
if [ $persist = 1 ] && [ $apply = 0 ]; then
	echo "tune.sh: --persist needs --apply" >&2
	exit 2
fi
if [ $apply = 1 ] && [ "$(id -u)" -ne 0 ]; then
	echo "tune.sh: --apply changes sysctls: run it as root" >&2
	exit 1
fi

# Proposals, each with why, for ~10M connections (20M sockets on one box).
NR_FILES=33554432  # fs.file-max and fs.nr_open: a struct file per socket, direct descriptors too
changed=0
persisted=""

# proc path of a sysctl name: net.ipv4.tcp_mem -> /proc/sys/net/ipv4/tcp_mem
path_of() {
	echo "/proc/sys/$(echo "$1" | tr . /)"
}

current() {
	tr -s '\t ' ' ' < "$(path_of "$1")" 2>/dev/null || echo "absent"
}

# Is every field of $1 at least the same field of $2? (port ranges: the low end downwards)
covers() {
	cur=$1 want=$2 name=$3
	[ "$cur" = "absent" ] && return 0
	if [ "$name" = net.ipv4.ip_local_port_range ]; then
		# shellcheck disable=SC2086 # split "LO HI" into fields
		set -- $cur
		clo=$1 chi=$2
		# shellcheck disable=SC2086
		set -- $want
		[ "$clo" -le "$1" ] && [ "$chi" -ge "$2" ]
		return
	fi
	[ "$cur" -ge "$want" ] 2>/dev/null
}

# setting NAME PROPOSED WHY
setting() {
	name=$1 want=$2 why=$3
	cur=$(current "$name")
	if [ "$cur" = "absent" ]; then
		printf '%-34s absent on this kernel (%s)\n' "$name" "$why"
		return
	fi
	if covers "$cur" "$want" "$name"; then
		printf '%-34s %s (ok: %s)\n' "$name" "$cur" "$why"
		return
	fi
	printf '%-34s %s -> %s (%s)\n' "$name" "$cur" "$want" "$why"
	printf '%-34s   sysctl -w %s="%s"\n' "" "$name" "$want"
	persisted="$persisted$name = $want
"
	if [ $apply = 1 ]; then
		sysctl -q -w "$name=$want"
		changed=$((changed + 1))
	fi
}

# Lowering it would break a running service: kernel.io_uring_disabled goes to 0 only.
uring() {
	cur=$(current kernel.io_uring_disabled)
	if [ "$cur" = "absent" ] || [ "$cur" = 0 ]; then
		printf '%-34s %s (ok: io_uring allowed for every process)\n' kernel.io_uring_disabled "$cur"
		return
	fi
	printf '%-34s %s -> 0 (uring mode needs io_uring)\n' kernel.io_uring_disabled "$cur"
	printf '%-34s   sysctl -w kernel.io_uring_disabled=0\n' ""
	persisted="${persisted}kernel.io_uring_disabled = 0
"
	if [ $apply = 1 ]; then
		sysctl -q -w kernel.io_uring_disabled=0
		changed=$((changed + 1))
	fi
}

# CAP_SYS_RESOURCE (bit 24 of CapEff) lets a process raise its hard RLIMIT_NOFILE.
has_sys_resource() {
	eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
	[ $(( (0x$eff >> 24) & 1 )) = 1 ]
}

nofile() {
	# This shell's limits, which holdconn started from it would inherit.
	soft=$(awk '/^Max open files/ {print $4}' /proc/self/limits)
	hard=$(awk '/^Max open files/ {print $5}' /proc/self/limits)
	if [ "$soft" != unlimited ] && [ "$soft" -ge "$NR_FILES" ]; then
		printf '%-34s %s (ok)\n' "RLIMIT_NOFILE (ulimit -n)" "$soft"
		return
	fi
	printf '%-34s %s/%s -> %s (epoll and threads: an fd per connection)\n' \
		"RLIMIT_NOFILE (ulimit -n)" "$soft" "$hard" "$NR_FILES"
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$NR_FILES" ] && ! has_sys_resource; then
		printf '%-34s   cannot be raised here: hard limit %s and no CAP_SYS_RESOURCE;\n' "" "$hard"
		printf '%-34s   raise it where holdconn is started (LimitNOFILE=, limits.conf)\n' ""
	else
		printf '%-34s   ulimit -n %s   (in the shell that runs holdconn, after fs.nr_open)\n' \
			"" "$NR_FILES"
	fi
}

echo "holdconn tune: $( [ $apply = 1 ] && echo applying || echo 'dry run (--apply to change)')"
setting fs.file-max $NR_FILES "a struct file per socket; root passes it with CAP_SYS_ADMIN"
setting fs.nr_open $NR_FILES "the ceiling for ulimit -n"
setting net.core.somaxconn 65535 "listen queue per port, caps --backlog"
setting net.ipv4.tcp_max_syn_backlog 65535 "half-open connections per listener"
setting net.ipv4.ip_local_port_range "1024 65535" "source ports per (source address, destination)"
setting net.ipv4.tcp_max_tw_buckets 2000000 "TIME_WAIT after FIN closes (holdconn's RST leaves none)"
setting kernel.threads-max 4194304 "threads mode: a thread per connection"
setting kernel.pid_max 4194304 "threads mode: a pid per thread"
setting vm.max_map_count 8388608 "threads mode: two mappings per thread stack"
uring
nofile

if [ $persist = 1 ] && [ -n "$persisted" ]; then
	printf '# holdconn: tools/tune.sh --persist\n%s' "$persisted" > /etc/sysctl.d/90-holdconn.conf
	printf '# holdconn: tools/tune.sh --persist\n*\t-\tnofile\t%s\nroot\t-\tnofile\t%s\n' \
		$NR_FILES $NR_FILES > /etc/security/limits.d/90-holdconn.conf
	echo "wrote /etc/sysctl.d/90-holdconn.conf and /etc/security/limits.d/90-holdconn.conf"
fi
[ $apply = 1 ] && echo "changed $changed setting(s)"
exit 0
