/* cpus.c - which CPU each of bench's sides runs on (see cpus.h). */
#include <errno.h>
#include <sched.h>
#include "base/cpus.h"

int cpus_side(int k, int *allowed)
{
	int list[CPU_SETSIZE], n = 0;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			list[n++] = c;
	*allowed = n;
	if (n < 2)
		return -1;
	return k == 0 ? list[0] : list[1 + (k - 1) % (n - 1)];
}

int cpus_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
