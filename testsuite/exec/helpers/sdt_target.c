/*
 * sdt_target: a program with SystemTap SDT markers (USDT), written by hand
 * so that no <sys/sdt.h> (systemtap-sdt-dev) is needed to build it: each
 * marker is a nop and a .note.stapsdt entry that names the provider, the
 * marker and the operands, as the header's STAP_PROBEn macros emit them.
 *
 *   sdt_target [N]   N rounds (default 2) of: demo:ready(round, 40, round * 2),
 *                    with a semaphore (the marker fires only while a tracer
 *                    holds it), then demo:tick() with no arguments
 */
#include <stdlib.h>

unsigned short demo_ready_semaphore __attribute__((section(".probes"), used));

/* note entry: name size, desc size, type 3; "stapsdt"; the marker's pc, the
 * .stapsdt.base address, the semaphore's (or 0); provider, name, args */
#define SDT_NOTE(provider, name, sem, args, ...)                                   \
	__asm__ __volatile__("990: nop\n"                                          \
			     ".pushsection .note.stapsdt,\"?\",\"note\"\n"          \
			     ".balign 4\n"                                          \
			     ".4byte 992f-991f, 994f-993f, 3\n"                     \
			     "991: .asciz \"stapsdt\"\n"                            \
			     "992: .balign 4\n"                                     \
			     "993: .8byte 990b\n"                                   \
			     ".8byte _.stapsdt.base\n"                              \
			     ".8byte " sem "\n"                                     \
			     ".asciz \"" provider "\"\n"                            \
			     ".asciz \"" name "\"\n"                                \
			     ".asciz \"" args "\"\n"                                \
			     "994: .balign 4\n"                                     \
			     ".popsection\n"                                        \
			     ".ifndef _.stapsdt.base\n"                             \
			     ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
			     ".weak _.stapsdt.base\n"                               \
			     ".hidden _.stapsdt.base\n"                             \
			     "_.stapsdt.base: .space 1\n"                           \
			     ".size _.stapsdt.base, 1\n"                            \
			     ".popsection\n"                                        \
			     ".endif\n"                                             \
			     : : __VA_ARGS__)

__attribute__((noinline)) static int round_of(int n, long m)
{
	int twice = n * 2;
	if (demo_ready_semaphore)
		SDT_NOTE("demo", "ready", "demo_ready_semaphore", "-4@%k0 8@%1 -4@%2", "r"(n), "r"(m),
			 "m"(twice));
	SDT_NOTE("demo", "tick", "0", "", "i"(0));
	return twice + (int)m;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2;
	int sum = 0;
	for (int i = 1; i <= rounds; i++)
		sum += round_of(i, 40);
	return sum == 0;
}
