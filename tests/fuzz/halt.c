/* halt.c: csp_parse_halt never crashes; what it accepts is a halt it can act on. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	csp_fanout_opt o, before;
	int r;

	memset(&o, 0x5a, sizeof(o));
	before = o;
	errno = 0;
	r = csp_parse_halt(s, &o);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		CHECK(errno == EINVAL);
		CHECK(memcmp(&o, &before, sizeof(o)) == 0);  /* refused: nothing changed */
	} else if (o.halt_when != CSP_HALT_NEVER) {
		CHECK(o.halt_when == CSP_HALT_SOON || o.halt_when == CSP_HALT_NOW);
		CHECK(o.halt_why == CSP_HALT_FAIL || o.halt_why == CSP_HALT_SUCCESS ||
		    o.halt_why == CSP_HALT_DONE);
		/* a count of jobs, or a percentage of them: one of the two */
		CHECK((o.halt_n >= 1 && o.halt_pct == 0) ||
		    (o.halt_n == 0 && o.halt_pct >= 1 && o.halt_pct <= 100));
	}
	free(s);
	return 0;
}
