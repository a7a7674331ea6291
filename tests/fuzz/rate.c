/* rate.c: csp_parse_rate never crashes, and what it accepts is a positive, finite rate. */
#include <errno.h>
#include <math.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	csp_rate r = { -1, -1 };
	int k;

	errno = 0;
	k = csp_parse_rate(s, &r);
	CHECK(k == 0 || k == -1);
	if (k == -1) {
		CHECK(errno == EINVAL);
		CHECK(r.per_sec == -1 && r.burst == -1);
	} else {
		CHECK(isfinite(r.per_sec) && r.per_sec > 0);
		CHECK(r.burst >= 0);
	}
	free(s);
	return 0;
}
