/* proc.h - integration-test helpers: run the real holdconn binary and read its JSON lines. */
#ifndef HOLDCONN_TEST_PROC_H
#define HOLDCONN_TEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc {
	pid_t pid;
	int out_fd;     /* read end of the child's stdout */
	char out[1 << 20];
	size_t len;
	char err[8192]; /* stderr, read at the end */
	int err_fd;
	int status;     /* exit status once reaped, -1 before */
};

/* Path of the binary under test: $HOLDCONN, else ./holdconn. */
const char *holdconn_path(void);
/* Path of the floor under test (bench/floor): $FLOOR, else ./bench/floor/floor. */
const char *floor_path(void);
/* proc_start for another binary than holdconn. */
void proc_start_path(struct proc *p, const char *path, const char *const *args, long nofile);
/* Starts holdconn with argv (NULL-terminated, without argv[0]); nofile > 0 lowers RLIMIT_NOFILE first. */
void proc_start(struct proc *p, const char *const *args, long nofile);
/* The limits a child starts under: 0 leaves one as it is. */
struct proc_limits {
	long nofile_soft, nofile_hard; /* RLIMIT_NOFILE */
	long memlock;                  /* RLIMIT_MEMLOCK, bytes (soft and hard) */
	bool drop_ipc_lock;            /* drop CAP_IPC_LOCK from the bounding set: rings get charged */
};
/* proc_start with limits set in the child before exec. */
void proc_start_with(struct proc *p, const char *const *args, const struct proc_limits *l);
/* Both: another binary, with limits. */
void proc_start_path_with(struct proc *p, const char *path, const char *const *args,
			  const struct proc_limits *l);
/*
 * Whether a child started with drop_ipc_lock has its rings charged to
 * RLIMIT_MEMLOCK: we can drop CAP_IPC_LOCK (CAP_SETPCAP) or never had it.
 */
bool proc_can_charge_memlock(void);
/* Reads stdout until a line contains needle or timeout_s passes; true when seen. */
bool proc_wait_for(struct proc *p, const char *needle, double timeout_s);
/* Waits for exit (SIGKILL after timeout_s); returns the exit code, 128+sig when killed. */
int proc_finish(struct proc *p, double timeout_s);
void proc_signal(struct proc *p, int sig);
/* Runs to completion and returns the exit code. */
int run_holdconn(struct proc *p, const char *const *args, long nofile, double timeout_s);
/* The last line of output containing needle, or NULL. */
const char *proc_line(struct proc *p, const char *needle, char *buf, size_t len);
/* Number after "key": in a JSON line; false if absent. */
bool json_num(const char *line, const char *key, double *out);
/* String after "key": in a JSON line into buf; false if absent. */
bool json_str(const char *line, const char *key, char *buf, size_t len);
/* The n-th child of pid (1-based, in the order forked: bench's serve, then connect), or 0. */
pid_t proc_child(pid_t pid, int n);
/* TCP sockets in use on the box, IPv4 and IPv6 (/proc/net/sockstat, sockstat6). */
uint64_t tcp_inuse(void);
/* Waits until TCP sockets in use are back within 4 of base (the kernel frees them late). */
bool tcp_back_to(uint64_t base, double timeout_s);
/* A free base port for n consecutive ports on 127.0.0.1, varying per test run. */
int free_port_base(int n);

/* Connects to 127.0.0.1:port, writes n bytes, closes; returns bytes written or -errno. */
long send_bytes_to(int port, long n);

/*
 * Kills and reaps every process proc_start started that is still running:
 * a failed assertion ends a test before its own cleanup. Use it as each
 * suite's .fini.
 */
void proc_cleanup(void);

#endif
