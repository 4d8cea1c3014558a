/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The part of libuuid's <uuid/uuid.h> that the VFIO selftests' libvfio uses
 * (uuid_parse() of a VF token), so that they link statically for arm64
 * without an arm64 libuuid on the build host (scripts/guest-kernel.sh).
 */
#ifndef SMMUTEST_UUID_H
#define SMMUTEST_UUID_H

#include <ctype.h>
#include <string.h>

typedef unsigned char uuid_t[16];

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" to 16 bytes; 0, or -1 if malformed. */
static inline int uuid_parse(const char *in, uuid_t uu)
{
	int i, j = 0;

	if (strlen(in) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (in[i] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)in[i]) || !isxdigit((unsigned char)in[i + 1]))
			return -1;
		uu[j++] = (unsigned char)((isdigit((unsigned char)in[i]) ? in[i] - '0' :
					   (tolower((unsigned char)in[i]) - 'a' + 10)) << 4 |
					  (isdigit((unsigned char)in[i + 1]) ? in[i + 1] - '0' :
					   (tolower((unsigned char)in[i + 1]) - 'a' + 10)));
		i++;
	}
	return 0;
}

#endif
