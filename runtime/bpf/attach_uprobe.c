/*
 * attach_uprobe: uprobes and uretprobes through the uprobe PMU, one perf
 * event each (see attach.h), and the ELF symbol lookup that turns a
 * function name into the file offset uprobes want.
 *
 * perf_event_attr for the uprobe PMU: type from
 * /sys/bus/event_source/devices/uprobe/type, config1 = path, config2 =
 * file offset, the retprobe bit where format/retprobe says ("config:0"),
 * and the USDT semaphore offset in config bits 32-63.  A system-wide uprobe
 * is opened with pid -1 on CPU 0; as with tracepoints the program runs
 * wherever the probe is hit.
 *
 * Each uprobe costs ~0.3 ms to attach and 80-110 ms to detach on the
 * development machines: many probes on one file belong in uprobe_multi.
 */
#include "bpf/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/load.h"

/* ------------------------------------------------------------ ELF */

static bool find_symbol(Elf *e, const char *name, uint64_t *addr)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM) || !sh.sh_entsize)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			size_t n = sh.sh_size / sh.sh_entsize;
			for (size_t i = 0; d && i < n; i++) {
				GElf_Sym s;
				if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
				    s.st_value == 0)
					continue;
				int t = GELF_ST_TYPE(s.st_info);
				if (t != STT_FUNC && t != STT_OBJECT && t != STT_GNU_IFUNC)
					continue;
				const char *sn = elf_strptr(e, sh.sh_link, s.st_name);
				if (sn && strcmp(sn, name) == 0) {
					*addr = s.st_value;
					return true;
				}
			}
		}
	}
	return false;
}

int attach_elf_offset(const char *path, const char *name, uint64_t *offset)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int err = -ENOENT;
	uint64_t addr;
	size_t nph;
	if (!e || elf_getphdrnum(e, &nph) != 0) {
		err = -ENOEXEC;
	} else if (find_symbol(e, name, &addr)) {
		err = -ENOEXEC;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) {
				*offset = addr - ph.p_vaddr + ph.p_offset;
				err = 0;
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

/* ------------------------------------------------------------ attach */

int attach_uprobe(struct load_ctx *lc, int prog_fd, const struct attach_uprobe_spec *s,
		  const void *tag)
{
	char what[512];
	snprintf(what, sizeof(what), "%s:%s:%#llx", s->retprobe ? "uretprobe" : "uprobe", s->path,
		 (unsigned long long)s->offset);
	int type = attach_pmu_type("uprobe");
	if (type < 0) {
		load_error(lc, tag, "cannot attach %s: this kernel has no uprobe PMU", what);
		return type;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = (uint32_t)type;
	attr.size = sizeof(attr);
	attr.config = (s->retprobe ? 1ull << attach_pmu_retprobe_bit("uprobe") : 0) | (s->ref_ctr_offset << 32);
	attr.config1 = (uint64_t)(uintptr_t)s->path;
	attr.config2 = s->offset;
	pid_t pid = s->pid > 0 ? s->pid : -1;
	int pfd = attach_perf_event_open(&attr, pid, pid == -1 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-pfd));
		return pfd;
	}
	int err = attach_perf_fd(lc, prog_fd, pfd, s->cookie, what);
	if (err)
		load_error(lc, tag, "cannot attach %s: %s", what, strerror(-err));
	return err;
}
