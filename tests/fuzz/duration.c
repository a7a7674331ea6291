/* duration.c: csp_parse_duration never crashes, and what it accepts is a duration. */
#include <errno.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int64_t ms = -7, again = -7;
	int r;

	errno = 0;
	r = csp_parse_duration(s, &ms);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		CHECK(errno == EINVAL || errno == ERANGE);  /* ERANGE: too large to represent */
		CHECK(ms == -7);  /* a refused string leaves the result alone */
	} else {
		CHECK(ms >= 0);
		CHECK(csp_parse_duration(s, &again) == 0 && again == ms);
	}
	free(s);
	return 0;
}
