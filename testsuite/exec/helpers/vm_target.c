/*
 * vm_target: memory events of one process, for the vm.* aliases
 * (testsuite/exec/tapset_vm), between two getppid() calls that mark the
 * window a test looks at:
 *
 *   - mmap(2) of 5 pages + 100 bytes of anonymous memory, then a read of
 *     its byte 0 (a read fault: the zero page is mapped), a write to byte
 *     4104 (a write fault on a new page) and a write to byte 0 (a write
 *     fault on the zero page, which is copied: do_wp_page, wp_page_copy),
 *     a read(2) from /dev/zero (opened before the window) to byte 8192
 *     (a write fault in kernel mode), then munmap(2) of it;
 *   - brk(0), brk(end + 3 pages) (the heap grows), brk(end) (it shrinks
 *     back);
 *   - listxattr("/", buf, 333): the kernel kmallocs 333 bytes for the
 *     list and kfrees them;
 *   - open("/nonexistent/ctap-vm"): getname() takes a 4096-byte object
 *     of the names cache and gives it back.
 *
 * Prints nothing; exits 1 if mmap or the read fails.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define LEN (5 * 4096 + 100)

int main(void)
{
	static char list[333];

	int zero = open("/dev/zero", O_RDONLY);
	syscall(SYS_getppid);
	volatile char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	(void)p[0];
	p[4104] = 1;
	p[0] = 1;
	if (read(zero, (char *)p + 8192, 10) != 10)
		return 1;
	munmap((void *)p, LEN);

	long end = syscall(SYS_brk, 0);
	syscall(SYS_brk, end + 3 * 4096);
	syscall(SYS_brk, end);

	listxattr("/", list, sizeof list);
	int fd = open("/nonexistent/ctap-vm", O_RDONLY);
	if (fd >= 0)
		close(fd);
	syscall(SYS_getppid);
	return 0;
}
