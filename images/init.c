/*
 * bootlab guest init: report the kernel's CMA state on the console, then power off.
 *
 * Every report line is "@@bootlab <payload> ~<len>" written with one write(2): the host
 * drops any line whose length check fails, so kernel messages that interleave with the
 * report cannot corrupt it. The console loglevel is lowered first to make that rare.
 *
 * On a kernel with kmemleak (a debug kernel) it first asks for a scan and prints every leak
 * found, each after a "BUG: memory leak" line as syzkaller's executor prints them.
 *
 * Kernel command line switches read by this init:
 *   bootlab.hang=1       print nothing and sleep forever (tests the host's hang detection)
 *   bootlab.noalloc=1    skip the CMA allocation smoke test
 *   bootlab.linger=<s>   wait this many seconds first, so that detectors that report late
 *                        (hung tasks; kmemleak, which ignores objects younger than 5 s) have
 *                        reported before the guest powers off
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REPORT_VERSION 1
#define CMA_DIR "/sys/kernel/debug/cma"
#define KMEMLEAK "/sys/kernel/debug/kmemleak"

static void emit(const char *fmt, ...)
{
	char payload[900], line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(payload, sizeof(payload), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "@@bootlab %s ~%zu\n", payload, strlen(payload));
	if (write(1, line, n) < 0)
		_exit(1);
}

/*
 * Read a sysfs/debugfs/proc file whole (proc's seq files hand out a page per read),
 * trailing newline stripped.
 */
static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int write_str(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

static const char *field(const char *area, const char *name, char *buf, size_t size)
{
	char path[512];

	snprintf(path, sizeof(path), CMA_DIR "/%s/%s", area, name);
	if (slurp(path, buf, size) < 0)
		snprintf(buf, size, "?");
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Allocate one page from the area through debugfs, check "used" moved, give it back. */
static void smoke_test(const char *area)
{
	char path[512], before[64], during[64], after[64];
	int err;

	field(area, "used", before, sizeof(before));
	snprintf(path, sizeof(path), CMA_DIR "/%s/alloc", area);
	err = write_str(path, "1");
	if (err) {
		emit("alloc %s fail alloc-errno=%d", area, -err);
		return;
	}
	field(area, "used", during, sizeof(during));
	snprintf(path, sizeof(path), CMA_DIR "/%s/free", area);
	err = write_str(path, "1");
	field(area, "used", after, sizeof(after));
	if (err)
		emit("alloc %s fail free-errno=%d", area, -err);
	else if (strcmp(before, during) == 0)
		emit("alloc %s fail used-unchanged=%s", area, during);
	else
		emit("alloc %s ok used=%s->%s->%s", area, before, during, after);
}

static void report_cma(int alloc)
{
	struct dirent **names;
	char v[5][64];
	int n, i;

	n = scandir(CMA_DIR, &names, not_dot, by_name);
	if (n < 0) {
		emit("cma-dir missing errno=%d", errno);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *a = names[i]->d_name;

		emit("cma %s base_pfn=%s count=%s order_per_bit=%s used=%s maxchunk=%s", a,
		     field(a, "base_pfn", v[0], 64), field(a, "count", v[1], 64),
		     field(a, "order_per_bit", v[2], 64), field(a, "used", v[3], 64),
		     field(a, "maxchunk", v[4], 64));
	}
	for (i = 0; alloc && i < n; i++)
		smoke_test(names[i]->d_name);
}

static void report_meminfo(void)
{
	char buf[8192], *line;
	long total = -1, free_kb = -1;

	if (slurp("/proc/meminfo", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		sscanf(line, "CmaTotal: %ld kB", &total);
		sscanf(line, "CmaFree: %ld kB", &free_kb);
	}
	emit("meminfo CmaTotal=%ld CmaFree=%ld", total, free_kb);
}

/* Node memory ranges from /proc/zoneinfo: the union of each node's zone spans, in pfns. */
static void report_nodes(void)
{
	static char buf[1 << 16];
	long lo[64], hi[64], spanned = 0, start;
	int node = -1, i;
	char *line;

	for (i = 0; i < 64; i++)
		lo[i] = -1, hi[i] = -1;
	if (slurp("/proc/zoneinfo", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "Node %d, zone", &node) == 1)
			continue;
		if (sscanf(line, " spanned %ld", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %ld", &start) == 1 && node >= 0 && node < 64 && spanned > 0) {
			if (lo[node] < 0 || start < lo[node])
				lo[node] = start;
			if (start + spanned > hi[node])
				hi[node] = start + spanned;
		}
	}
	for (i = 0; i < 64; i++)
		if (lo[i] >= 0)
			emit("node %d start_pfn=%ld end_pfn=%ld", i, lo[i], hi[i]);
}

/*
 * glibc 2.36 on a 32-bit arch uses the 32-bit-time clock_nanosleep unless the time needs 64
 * bits, and bootlab's arm and mips kernels have no COMPAT_32BIT_TIME (allnoconfig): sleep()
 * fails at once there with ENOSYS. Ask for the 64-bit-time call ourselves.
 */
static void sleep_seconds(long seconds)
{
#ifdef SYS_clock_nanosleep_time64
	struct {
		long long tv_sec;
		long long tv_nsec;
	} t = { seconds, 0 };

	syscall(SYS_clock_nanosleep_time64, CLOCK_MONOTONIC, 0, &t, NULL);
#else
	struct timespec t = { seconds, 0 };

	nanosleep(&t, NULL);
#endif
}

/*
 * Scan for leaks and print each one found. A first scan that finds nothing ends it; otherwise
 * a second scan a second later, whose list is printed: an object seen once may have been
 * referenced only from a register at the time (syzkaller's executor does the same).
 */
static void report_kmemleak(void)
{
	static char buf[1 << 17];
	char *pos, *next;

	if (access(KMEMLEAK, F_OK) != 0 || write_str(KMEMLEAK, "scan") < 0)
		return;
	if (slurp(KMEMLEAK, buf, sizeof(buf)) < 0 || buf[0] == 0)
		return;
	sleep_seconds(1);
	if (write_str(KMEMLEAK, "scan") < 0 || slurp(KMEMLEAK, buf, sizeof(buf)) < 0)
		return;
	for (pos = strstr(buf, "unreferenced object"); pos; pos = next) {
		next = strstr(pos + 1, "unreferenced object");
		if (next)
			next[-1] = 0;
		dprintf(1, "BUG: memory leak\n%s\n", pos);
	}
}

int main(void)
{
	char cmdline[4096] = "", *linger;
	int fd;

	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	/* The kernel may have found no /dev/console before devtmpfs was mounted. */
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0 && fcntl(1, F_GETFD) < 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	slurp("/proc/cmdline", cmdline, sizeof(cmdline));
	if (strstr(cmdline, "bootlab.hang=1")) {
		for (;;)
			pause();
	}
	linger = strstr(cmdline, "bootlab.linger=");
	if (linger)
		sleep_seconds(atol(linger + strlen("bootlab.linger=")));
	report_kmemleak();
	/* Only emergency messages on the console while the report is written. */
	klogctl(8, NULL, 1);

	emit("begin v%d", REPORT_VERSION);
	emit("cmdline %s", cmdline);
	emit("pagesize %ld", sysconf(_SC_PAGESIZE));
	report_cma(!strstr(cmdline, "bootlab.noalloc=1"));
	report_meminfo();
	report_nodes();
	emit("end v%d", REPORT_VERSION);

	/*
	 * write(2) to the tty returns once the bytes are in the UART driver's buffer; the driver
	 * sends them by interrupt. Powering off before it has would cut the report short (seen on
	 * malta under load): wait until every byte has left the UART.
	 */
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
	emit("poweroff-failed errno=%d", errno);
	for (;;)
		pause();
}
