/* size.c: csp_parse_size never crashes, and what it accepts lies within the bounds asked. */
#include <errno.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long min = 0, max = ~0ULL, v = 7;
	char *s;
	int r;

	/* The first 2 bytes pick the bounds: the commands use several. */
	if (size >= 2) {
		min = data[0] < 128 ? 0 : 1ULL << (data[0] % 64);
		max = data[1] < 64 ? ~0ULL : 1ULL << (data[1] % 64);
		data += 2;
		size -= 2;
	}
	s = fuzz_str(data, size);
	errno = 0;
	r = csp_parse_size(s, min, max, &v);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		CHECK(errno == EINVAL);
		CHECK(v == 7);
	} else {
		CHECK(v >= min && v <= max);
		CHECK(s[0] >= '0' && s[0] <= '9');
	}
	free(s);
	return 0;
}
