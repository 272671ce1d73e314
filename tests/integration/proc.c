/* proc.c - helpers for the integration tests (see tests/proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *holdconn_path(void)
{
	const char *p = getenv("HOLDCONN");

	return p && *p ? p : "./holdconn";
}

#define MAX_TRACKED 16
static struct proc *tracked[MAX_TRACKED];

static void track(struct proc *p, bool on)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (on && !tracked[i]) {
			tracked[i] = p;
			return;
		}
		if (!on && tracked[i] == p)
			tracked[i] = NULL;
	}
}

void proc_cleanup(void)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		struct proc *p = tracked[i];

		if (p && p->status == -1) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
		}
		tracked[i] = NULL;
	}
}

static void set_limits(const struct proc_limits *l)
{
	struct rlimit rl;

	if (l->nofile_soft > 0 || l->nofile_hard > 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		if (l->nofile_hard > 0)
			rl.rlim_max = l->nofile_hard;
		rl.rlim_cur = l->nofile_soft > 0 ? (rlim_t)l->nofile_soft : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (l->memlock > 0) {
		rl = (struct rlimit){ l->memlock, l->memlock };
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (l->drop_ipc_lock)
		prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0);
}

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

bool proc_can_charge_memlock(void)
{
	/* Root keeps CAP_IPC_LOCK across exec unless it leaves the bounding set. */
	return !has_cap(CAP_IPC_LOCK) || (has_cap(CAP_SETPCAP) && geteuid() == 0);
}

const char *floor_path(void)
{
	const char *p = getenv("FLOOR");

	return p && *p ? p : "./bench/floor/floor";
}

void proc_start(struct proc *p, const char *const *args, long nofile)
{
	struct proc_limits l = { nofile, nofile, 0, false };

	proc_start_path_with(p, holdconn_path(), args, &l);
}

void proc_start_with(struct proc *p, const char *const *args, const struct proc_limits *l)
{
	proc_start_path_with(p, holdconn_path(), args, l);
}

void proc_start_path(struct proc *p, const char *path, const char *const *args, long nofile)
{
	struct proc_limits l = { nofile, nofile, 0, false };

	proc_start_path_with(p, path, args, &l);
}

void proc_start_path_with(struct proc *p, const char *path, const char *const *args,
			  const struct proc_limits *l)
{
	int out[2], err[2];
	const char *argv[64];
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->status = -1;
	argv[n++] = path;
	while (args[n - 1] && n < 63) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		abort();
	fflush(NULL);
	p->pid = fork();
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		set_limits(l);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	track(p, true);
	p->out_fd = out[0];
	p->err_fd = err[0];
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
}

static void drain_fd(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t r;

	while (*len + 1 < cap && (r = read(fd, buf + *len, cap - 1 - *len)) > 0)
		*len += r;
	buf[*len] = 0;
}

static void read_some(struct proc *p, int timeout_ms)
{
	struct pollfd pfd = { p->out_fd, POLLIN, 0 };
	size_t elen = strlen(p->err);

	if (poll(&pfd, 1, timeout_ms) > 0)
		drain_fd(p->out_fd, p->out, sizeof(p->out), &p->len);
	drain_fd(p->err_fd, p->err, sizeof(p->err), &elen);
}

bool proc_wait_for(struct proc *p, const char *needle, double timeout_s)
{
	double deadline = now() + timeout_s;

	while (!strstr(p->out, needle)) {
		if (now() > deadline || (p->status == -1 && waitpid(p->pid, &p->status, WNOHANG) == p->pid)) {
			read_some(p, 0);
			return strstr(p->out, needle) != NULL;
		}
		read_some(p, 50);
	}
	return true;
}

void proc_signal(struct proc *p, int sig)
{
	if (p->status == -1)
		kill(p->pid, sig);
}

int proc_finish(struct proc *p, double timeout_s)
{
	double deadline = now() + timeout_s;

	while (p->status == -1 && waitpid(p->pid, &p->status, WNOHANG) != p->pid) {
		if (now() > deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
			break;
		}
		read_some(p, 20);
	}
	read_some(p, 0);
	close(p->out_fd);
	close(p->err_fd);
	track(p, false);
	if (WIFSIGNALED(p->status))
		return 128 + WTERMSIG(p->status);
	return WEXITSTATUS(p->status);
}

int run_holdconn(struct proc *p, const char *const *args, long nofile, double timeout_s)
{
	proc_start(p, args, nofile);
	return proc_finish(p, timeout_s);
}

const char *proc_line(struct proc *p, const char *needle, char *buf, size_t len)
{
	const char *hit = NULL, *s = p->out, *e;

	while ((s = strstr(s, needle))) {
		hit = s;
		s++;
	}
	if (!hit)
		return NULL;
	while (hit > p->out && hit[-1] != '\n')
		hit--;
	e = strchr(hit, '\n');
	if (!e)
		e = hit + strlen(hit);
	if ((size_t)(e - hit) >= len)
		return NULL;
	memcpy(buf, hit, e - hit);
	buf[e - hit] = 0;
	return buf;
}

bool json_num(const char *line, const char *key, double *out)
{
	char pat[128];
	const char *s;
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	s = strstr(line, pat);
	if (!s)
		return false;
	*out = strtod(s + strlen(pat), &end);
	return end != s + strlen(pat);
}

bool json_str(const char *line, const char *key, char *buf, size_t len)
{
	char pat[128];
	const char *s, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	s = strstr(line, pat);
	if (!s)
		return false;
	s += strlen(pat);
	e = strchr(s, '"');
	if (!e || (size_t)(e - s) >= len)
		return false;
	memcpy(buf, s, e - s);
	buf[e - s] = 0;
	return true;
}

/* The number after `key` on its line of a sockstat file; 0 if absent (no IPv6: no sockstat6). */
static uint64_t sockstat_inuse(const char *path, const char *key)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;
	size_t klen = strlen(key);

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, key, klen) && sscanf(buf + klen, " inuse %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

pid_t proc_child(pid_t pid, int n)
{
	char path[64], list[256] = "";
	FILE *f;
	char *tok, *save;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(list, sizeof(list), f))
		list[0] = 0;
	fclose(f);
	for (tok = strtok_r(list, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (--n == 0)
			return (pid_t)atoi(tok);
	return 0;
}

uint64_t tcp_inuse(void)
{
	return sockstat_inuse("/proc/net/sockstat", "TCP:") +
	       sockstat_inuse("/proc/net/sockstat6", "TCP6:");
}

bool tcp_back_to(uint64_t base, double timeout_s)
{
	double deadline = now() + timeout_s;

	while (tcp_inuse() > base + 4) {
		if (now() > deadline)
			return false;
		usleep(50000);
	}
	return true;
}

static bool port_free(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

int free_port_base(int n)
{
	/* Below the ephemeral range, spread by pid so parallel runs do not collide. */
	for (int base = 20000 + (getpid() % 500) * 20; base < 32000; base += n + 1) {
		bool ok = true;

		for (int i = 0; i < n && ok; i++)
			ok = port_free(base + i);
		if (ok)
			return base;
	}
	return -1;
}

long send_bytes_to(int port, long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[4096];
	long sent = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		sent = -errno;
		goto out;
	}
	memset(buf, 'x', sizeof(buf));
	while (sent < n) {
		ssize_t w = write(fd, buf, n - sent < (long)sizeof(buf) ? (size_t)(n - sent) : sizeof(buf));

		if (w <= 0) {
			sent = -errno;
			break;
		}
		sent += w;
	}
out:
	if (fd >= 0)
		close(fd);
	return sent;
}
