/* extserver.c - start, watch and stop a server holdconn did not write. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "measure/meter.h"
#include "run/extserver.h"

#define STOP_GRACE_S 5.0 /* SIGTERM to SIGKILL */
#define TCP_LISTEN 0x0A  /* state column of /proc/net/tcp */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int extserver_expand(const char *tmpl, uint16_t first, uint16_t last, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = tmpl; *p;) {
		char sub[16] = "";
		size_t n;

		if (!strncmp(p, "{port}", 6)) {
			snprintf(sub, sizeof(sub), "%u", first);
			p += 6;
		} else if (!strncmp(p, "{ports}", 7)) {
			snprintf(sub, sizeof(sub), "%u-%u", first, last);
			p += 7;
		} else {
			sub[0] = *p++;
		}
		n = strlen(sub);
		if (o + n >= len)
			return -ENAMETOOLONG;
		memcpy(out + o, sub, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* Words that start a command without naming the server: the next word does. */
static bool launcher(const char *w, size_t n)
{
	static const char *const names[] = { "sh", "bash", "env", "exec", "nice", "taskset",
					       "prlimit" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(w, names[i], n))
			return true;
	return false;
}

/* A launcher's own arguments: options, VAR=value, CPU lists and nice levels. */
static bool launcher_arg(const char *w, size_t n)
{
	return w[0] == '-' || memchr(w, '=', n) || strspn(w, "0123456789,") == n;
}

void extserver_name(const char *cmd, char *out, size_t len)
{
	const char *p = cmd;
	bool launched = false;
	size_t n;

	for (;;) {
		const char *slash;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (launched && n && p[n] && launcher_arg(p, n)) {
			p += n;
			continue;
		}
		slash = memrchr(p, '/', n);
		if (slash) {
			n -= (size_t)(slash + 1 - p);
			p = slash + 1;
		}
		if (!launcher(p, n) || !p[n])
			break;
		launched = true;
		p += n;
	}
	/* bench/servers/nginx.sh: nginx */
	if (n > 3 && !strncmp(p + n - 3, ".sh", 3))
		n -= 3;
	snprintf(out, len, "%.*s", (int)n, p);
}

/*
 * The listener on port among the first lines of /proc/net/tcp and tcp6:
 * listening sockets come first, and for them rx_queue is the accept queue.
 * -1 when nothing listens there.
 */
static long listener_queue(uint16_t port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	long queue = -1;

	for (int i = 0; i < 2 && queue < 0; i++) {
		FILE *f = fopen(files[i], "re");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned lport, st;
			unsigned long rx;

			if (meter_parse_tcp_row(line, &lport, &st, &rx))
				continue;
			if (st != TCP_LISTEN)
				break; /* past the listeners: the rest is established sockets */
			if (lport == port) {
				queue = (long)rx;
				break;
			}
		}
		fclose(f);
	}
	return queue;
}

static uint64_t inuse_of(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[256];
	unsigned long long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && sscanf(line + strlen(key), " inuse %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

uint64_t extserver_tcp_inuse(void)
{
	return inuse_of("/proc/net/sockstat", "TCP:") + inuse_of("/proc/net/sockstat6", "TCP6:");
}

long extserver_unaccepted(const struct extserver *s)
{
	return listener_queue(s->port);
}

bool extserver_alive(struct extserver *s)
{
	if (s->pid <= 0)
		return false;
	if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
		s->pid = 0;
		return false;
	}
	return true;
}

int extserver_start(struct extserver *s, const char *cmd, uint16_t port, double timeout_s,
		    char *err, size_t errlen)
{
	double deadline = mono() + timeout_s;
	char shell[EXTSERVER_CMD_MAX + 8];
	int status;

	memset(s, 0, sizeof(*s));
	snprintf(s->cmd, sizeof(s->cmd), "%s", cmd);
	s->port = port;
	/* exec: the shell becomes the server, so its pid is the one we read and stop. */
	snprintf(shell, sizeof(shell), "exec %s", cmd);
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		snprintf(err, errlen, "--server: cannot fork: %s", strerror(errno));
		return -errno;
	}
	if (!s->pid) {
		setpgid(0, 0);
		/* It dies with bench: a killed bench leaves no server behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Its output would interleave with bench's report: the user's terminal gets stderr only. */
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl("/bin/sh", "sh", "-c", shell, (char *)NULL);
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	s->procs.pgrp = s->pid;
	while (listener_queue(port) < 0) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			snprintf(err, errlen, "--server: '%s' exited (status %d) before it listened on port %u",
				 cmd, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), port);
			return -ECHILD;
		}
		if (mono() > deadline) {
			extserver_stop(s);
			snprintf(err, errlen,
				 "--server: '%s' did not listen on port %u within %.0f s: put {port} where it takes its port",
				 cmd, port, timeout_s);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	return 0;
}

void extserver_stop(struct extserver *s)
{
	double deadline = mono() + STOP_GRACE_S;

	if (s->pid <= 0)
		return;
	kill(-s->pid, SIGTERM);
	while (mono() < deadline && waitpid(s->pid, NULL, WNOHANG) != s->pid)
		usleep(10000);
	/* Workers outlive their master at times: the whole group goes. */
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}
