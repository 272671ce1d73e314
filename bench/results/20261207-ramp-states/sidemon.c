/* sidemon PID: every 20 ms, for bench PID's children: CPU last run on, schedstat run and wait ns; and /proc/stat cpu0/cpu1 idle */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int rd(const char *p, char *b, size_t n) { FILE *f = fopen(p, "r"); if (!f) return -1; size_t k = fread(b, 1, n - 1, f); fclose(f); b[k] = 0; return 0; }
int main(int argc, char **argv)
{
	char path[128], buf[8192];
	int kids[4], nk = 0;
	struct timespec d = { 0, 20000000 }, t;
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	while (nk < 2) {
		snprintf(path, sizeof(path), "/proc/%s/task/%s/children", argv[1], argv[1]);
		if (rd(path, buf, sizeof(buf))) return 1;
		nk = 0;
		for (char *p = strtok(buf, " \n"); p && nk < 4; p = strtok(NULL, " \n")) kids[nk++] = atoi(p);
		if (nk < 2) { struct timespec s = { 0, 1000000 }; nanosleep(&s, NULL); }
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		printf("%.4f", t.tv_sec + t.tv_nsec / 1e9);
		for (int k = 0; k < 2; k++) {
			unsigned long long run, wait; int cpu = -1;
			snprintf(path, sizeof(path), "/proc/%d/schedstat", kids[k]);
			if (rd(path, buf, sizeof(buf)) || sscanf(buf, "%llu %llu", &run, &wait) != 2) { fflush(stdout); return 0; }
			snprintf(path, sizeof(path), "/proc/%d/stat", kids[k]);
			if (!rd(path, buf, sizeof(buf))) { char *p = strrchr(buf, ')'); int f = 3; for (p += 2; *p && f < 39; p++) if (*p == ' ') f++; cpu = atoi(p); }
			printf(" %d %llu %llu", cpu, run, wait);
		}
		if (!rd("/proc/stat", buf, sizeof(buf))) {
			char *a = strstr(buf, "\ncpu0 "), *b = strstr(buf, "\ncpu1 ");
			unsigned long long v[10];
			for (char *c = a; c && c <= b; c = c == a ? b : NULL) {
				sscanf(c + 6, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]);
				printf(" %llu %llu", v[3] + v[4], v[6]);
			}
		}
		printf("\n");
		nanosleep(&d, NULL);
	}
}
