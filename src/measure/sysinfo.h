/* sysinfo.h - the kernel's tunables that decide how far a ramp can go (/proc/sys). */
#ifndef HOLDCONN_SYSINFO_H
#define HOLDCONN_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>
#include "base/addr.h"

/* Reads a /proc/sys file holding integers; fills up to n values, returns how many or -errno. */
int sysinfo_read_u64s(const char *path, uint64_t *vals, int n);
/* net.ipv4.ip_local_port_range; 0 or -errno. */
int sysinfo_local_port_range(struct port_range *r);
/*
 * Source ports for explicitly bound connections: the larger side outside
 * ip_local_port_range (1024 up to it, or above it). A port held by bind()
 * is off limits to every other socket's autobind, whatever its address,
 * so planning inside the ephemeral range would starve the rest of the box
 * of outgoing connections. Falls back to the range itself when nothing
 * outside it is big enough. 0 or -errno.
 */
int sysinfo_source_ports(struct port_range *r);
/* kernel.io_uring_disabled: 0, 1, 2; -1 when the knob does not exist. */
int sysinfo_io_uring_disabled(void);
/*
 * Past fs.file-max the kernel refuses a struct file to every process
 * without CAP_SYS_ADMIN, whoever's they are: a ramp that is not exempt
 * stops this many short of it, so the box (and bench's own /proc reads)
 * can still open files.
 */
#define SYSINFO_FILE_RESERVE 1024
/* fs.file-max less fs.file-nr's allocated count: struct files left. 0 or -errno. */
int sysinfo_files_left(uint64_t *left);

/* Whether this process has capability cap (CAP_IPC_LOCK, ...) in its effective set. */
bool sysinfo_has_cap(int cap);

/*
 * Raises the soft RLIMIT_NOFILE to the hard limit (what Go's runtime and
 * many servers do at start): a ring's registered table is sized by it.
 * Once per process; sysinfo_nofile_raised() then tells what it did.
 */
void sysinfo_raise_nofile(void);
/* true when sysinfo_raise_nofile() raised it: from *from to *to. */
bool sysinfo_nofile_raised(uint64_t *from, uint64_t *to);

#endif
