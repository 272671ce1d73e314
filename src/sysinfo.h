/* sysinfo.h - the kernel's tunables that decide how far a ramp can go (/proc/sys). */
#ifndef HOLDCONN_SYSINFO_H
#define HOLDCONN_SYSINFO_H

#include <stdint.h>
#include "addr.h"

/* Reads a /proc/sys file holding integers; fills up to n values, returns how many or -errno. */
int sysinfo_read_u64s(const char *path, uint64_t *vals, int n);
/* net.ipv4.ip_local_port_range; 0 or -errno. */
int sysinfo_local_port_range(struct port_range *r);
/* kernel.io_uring_disabled: 0, 1, 2; -1 when the knob does not exist. */
int sysinfo_io_uring_disabled(void);

#endif
