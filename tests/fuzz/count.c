/* count.c: csp_parse_count never crashes, and what it accepts lies within the bounds asked. */
#include <errno.h>
#include <limits.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long min = 0, max = LLONG_MAX, v = -7;
	char *s;
	int r;

	/* The first 2 bytes pick the bounds, negative ones too. */
	if (size >= 2) {
		min = (int8_t)data[0];
		max = data[1] >= 200 ? LLONG_MAX : min + data[1];
		data += 2;
		size -= 2;
	}
	s = fuzz_str(data, size);
	errno = 0;
	r = csp_parse_count(s, min, max, &v);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		CHECK(errno == EINVAL);
		CHECK(v == -7);
	} else {
		CHECK(v >= min && v <= max);
	}
	free(s);
	return 0;
}
