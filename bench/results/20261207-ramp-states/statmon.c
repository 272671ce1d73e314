/* statmon: every 20 ms, CLOCK_MONOTONIC and the cpu0/cpu1 lines of /proc/stat (one pread each time) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void)
{
	char buf[8192];
	int fd = open("/proc/stat", O_RDONLY);
	struct timespec t, d = { 0, 20000000 };
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0) return 1;
		buf[n] = 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		char *a = strstr(buf, "\ncpu0 "), *b = strstr(buf, "\ncpu1 "), *e = b ? strchr(b + 1, '\n') : NULL;
		if (!a || !e) return 1;
		*e = 0;
		for (char *p = a + 1; *p; p++) if (*p == '\n') *p = ' ';
		printf("%.4f %s\n", t.tv_sec + t.tv_nsec / 1e9, a + 1);
		fflush(stdout);
		nanosleep(&d, NULL);
	}
}
