/* caps: see caps.h. */
#include "util/caps.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool caps_effective(uint64_t *mask)
{
	*mask = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return false;
	char line[256];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0) {
			found = sscanf(line + 7, "%" SCNx64, mask) == 1;
			break;
		}
	fclose(f);
	return found;
}

bool caps_has(uint64_t mask, int cap)
{
	return cap >= 0 && cap < 64 && (mask >> cap & 1);
}

int caps_unprivileged_bpf_disabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	if (!f)
		return -1;
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
