/*
 * target/vmlinuz: the vmlinux ELF image inside an installed kernel image.
 *
 * Input: /boot/vmlinuz-R, an x86 bzImage (boot protocol >= 2.08, whose
 * setup header gives payload_offset/payload_length of the compressed
 * vmlinux), or an uncompressed vmlinux ELF (-r /BUILDDIR/vmlinux).
 * Output: the decompressed ELF in a malloc'd buffer, and its sections.
 *
 * Compression is recognised by magic, not by the release's .config: XZ and
 * legacy LZMA (liblzma), gzip (zlib), zstd (libzstd when configure found
 * it).  Other formats (bzip2, lzo, lz4) are reported by name.  x86 appends
 * the decompressed size as the payload's last 4 bytes; it only sizes the
 * first allocation, the decoders grow the buffer if it lies.
 */
#include "target/target_internal.h"

#include <elf.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_LIBZSTD
#include <zstd.h>
#endif

#include "config.h"
#include "util/arena.h"
#include "util/fileutil.h"

/* x86 boot protocol: Documentation/x86/boot.rst */
#define BZ_SETUP_SECTS   0x1f1
#define BZ_HEADER_MAGIC  0x202   /* "HdrS" */
#define BZ_VERSION       0x206
#define BZ_PAYLOAD_OFF   0x248
#define BZ_PAYLOAD_LEN   0x24c

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct outbuf {
	unsigned char *data;
	size_t len, cap;
};

static void outbuf_room(struct outbuf *o, size_t want)
{
	if (o->cap - o->len >= want)
		return;
	while (o->cap - o->len < want)
		o->cap = o->cap ? o->cap * 2 : (size_t)1 << 24;
	o->data = xrealloc(o->data, o->cap);
}

static bool unxz(const unsigned char *in, size_t n, bool legacy_lzma, struct outbuf *o,
		 char **why)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r = legacy_lzma ? lzma_alone_decoder(&s, UINT64_MAX)
				 : lzma_stream_decoder(&s, UINT64_MAX, 0);
	if (r != LZMA_OK) {
		why_set(why, "liblzma cannot start a decoder (error %d)", (int)r);
		return false;
	}
	s.next_in = in;
	s.avail_in = n;
	do {
		outbuf_room(o, (size_t)1 << 22);
		s.next_out = o->data + o->len;
		s.avail_out = o->cap - o->len;
		r = lzma_code(&s, LZMA_FINISH);
		o->len = o->cap - s.avail_out;
	} while (r == LZMA_OK);
	lzma_end(&s);
	/* Legacy LZMA streams of unknown size end with the input. */
	if (r != LZMA_STREAM_END && !(legacy_lzma && r == LZMA_BUF_ERROR && o->len)) {
		why_set(why, "the compressed kernel is corrupt (liblzma error %d)", (int)r);
		return false;
	}
	return true;
}

static bool gunzip(const unsigned char *in, size_t n, struct outbuf *o, char **why)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		why_set(why, "zlib cannot start a decoder");
		return false;
	}
	int r;
	z.next_in = (unsigned char *)in;
	do {
		size_t chunk = n > UINT32_MAX ? UINT32_MAX : n;
		z.avail_in = (uInt)chunk;
		outbuf_room(o, (size_t)1 << 22);
		z.next_out = o->data + o->len;
		z.avail_out = (uInt)(o->cap - o->len > UINT32_MAX ? UINT32_MAX : o->cap - o->len);
		uInt before = z.avail_out, in_before = z.avail_in;
		r = inflate(&z, Z_NO_FLUSH);
		o->len += before - z.avail_out;
		n -= in_before - z.avail_in;
	} while (r == Z_OK);
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		why_set(why, "the compressed kernel is corrupt (zlib error %d)", r);
		return false;
	}
	return true;
}

static bool unzstd(const unsigned char *in, size_t n, struct outbuf *o, char **why)
{
#ifdef HAVE_LIBZSTD
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t r = 1;
	while (ib.pos < ib.size && r != 0) {
		outbuf_room(o, (size_t)1 << 22);
		ZSTD_outBuffer ob = { o->data + o->len, o->cap - o->len, 0 };
		r = ZSTD_decompressStream(d, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(r)) {
			why_set(why, "the compressed kernel is corrupt (zstd: %s)",
				ZSTD_getErrorName(r));
			ZSTD_freeDStream(d);
			return false;
		}
	}
	ZSTD_freeDStream(d);
	return true;
#else
	(void)in, (void)n, (void)o;
	why_set(why, "the kernel image is zstd-compressed and ctap was built without "
		"libzstd (Debian package libzstd-dev)");
	return false;
#endif
}

static bool decompress(const unsigned char *p, size_t n, struct outbuf *o, char **why)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *name;
	} others[] = {
		{ "BZh", 3, "bzip2" },
		{ "\x89LZO", 4, "lzo" },
		{ "\x02\x21\x4c\x18", 4, "lz4" },
	};
	if (n > 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return unxz(p, n, false, o, why);
	if (n > 3 && memcmp(p, "\x5d\0\0", 3) == 0)
		return unxz(p, n, true, o, why);
	if (n > 2 && p[0] == 0x1f && p[1] == 0x8b)
		return gunzip(p, n, o, why);
	if (n > 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return unzstd(p, n, o, why);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (n > others[i].len && memcmp(p, others[i].magic, others[i].len) == 0) {
			why_set(why, "the kernel image is %s-compressed, which ctap "
				"cannot decompress", others[i].name);
			return false;
		}
	why_set(why, "unknown compression of the kernel payload");
	return false;
}

void *vmlinuz_extract(const char *path, size_t *size, char **why)
{
	size_t n = 0;
	unsigned char *file = (unsigned char *)file_read_all(path, &n);
	if (!file) {
		why_set(why, "cannot read %s: %m", path);
		return NULL;
	}
	if (n >= SELFMAG && memcmp(file, ELFMAG, SELFMAG) == 0) {
		*size = n;
		return file;
	}
	if (n < 0x250 || get_le32(file + BZ_HEADER_MAGIC) != 0x53726448) {
		why_set(why, "%s is not a bzImage (no \"HdrS\" boot header)", path);
		free(file);
		return NULL;
	}
	unsigned version = file[BZ_VERSION] | file[BZ_VERSION + 1] << 8;
	if (version < 0x208) {
		why_set(why, "%s uses boot protocol %u.%02u; payload offsets need 2.08",
			path, version >> 8, version & 0xff);
		free(file);
		return NULL;
	}
	unsigned setup_sects = file[BZ_SETUP_SECTS] ? file[BZ_SETUP_SECTS] : 4;
	size_t pm = ((size_t)setup_sects + 1) * 512;
	size_t off = pm + get_le32(file + BZ_PAYLOAD_OFF);
	size_t len = get_le32(file + BZ_PAYLOAD_LEN);
	if (off > n || len > n - off || len < 8) {
		why_set(why, "%s: payload (offset %zu, length %zu) lies outside the file",
			path, off, len);
		free(file);
		return NULL;
	}
	struct outbuf o = { 0 };
	size_t hint = get_le32(file + off + len - 4);
	if (hint > len && hint < ((size_t)1 << 31))
		outbuf_room(&o, hint + 1);
	bool ok = decompress(file + off, len, &o, why);
	free(file);
	if (!ok || o.len < SELFMAG || memcmp(o.data, ELFMAG, SELFMAG) != 0) {
		if (ok)
			why_set(why, "%s: the decompressed payload is not an ELF vmlinux", path);
		free(o.data);
		return NULL;
	}
	*size = o.len;
	return o.data;
}

/* Bounds-checked ELF section lookup; the image comes from a file, so
 * every offset is checked before use. */
const void *vmlinuz_elf_section(const void *image, size_t size, const char *name,
				size_t *secsize)
{
	const unsigned char *b = image;
	if (size < sizeof(Elf64_Ehdr) || memcmp(b, ELFMAG, SELFMAG) != 0)
		return NULL;
	/* Only 64-bit kernels carry BTF worth reading here. */
	if (b[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = image;
		if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
		    (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
		    eh->e_shstrndx >= eh->e_shnum)
			return NULL;
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
		const Elf64_Shdr *strs = &sh[eh->e_shstrndx];
		if (strs->sh_offset > size || strs->sh_size > size - strs->sh_offset)
			return NULL;
		for (unsigned i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_name >= strs->sh_size || sh[i].sh_type == SHT_NOBITS)
				continue;
			const char *nm = (const char *)b + strs->sh_offset + sh[i].sh_name;
			if (strnlen(nm, strs->sh_size - sh[i].sh_name) == strs->sh_size - sh[i].sh_name)
				continue;
			if (strcmp(nm, name) != 0)
				continue;
			if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset)
				return NULL;
			*secsize = sh[i].sh_size;
			return b + sh[i].sh_offset;
		}
	}
	return NULL;
}
