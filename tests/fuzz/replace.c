/*
 * replace.c: csp_replace expands any template with any record without
 * crashing; a short buffer gets a prefix of the whole; a template with
 * no replacement string comes back as it is. Input: seq, slot, the
 * template up to the first NUL, the record (any bytes) after it.
 */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul, *rec;
	char *tmpl, *full, *part;
	size_t n, len, k, cut;
	long long seq;
	int slot;

	if (size < 3)
		return 0;
	seq = (long long)(int8_t)data[0] * 1000003;  /* negative and long numbers too */
	slot = data[1];
	cut = data[2];
	data += 3;
	size -= 3;
	nul = memchr(data, '\0', size);
	tmpl = fuzz_str(data, nul != NULL ? (size_t)(nul - (const char *)data) : size);
	rec = nul != NULL ? nul + 1 : "";
	len = nul != NULL ? size - (size_t)(rec - (const char *)data) : 0;

	n = csp_replace(NULL, 0, tmpl, rec, len, seq, slot);
	CHECK((full = malloc(n + 1)) != NULL);
	memset(full, 'x', n + 1);
	CHECK(csp_replace(full, n + 1, tmpl, rec, len, seq, slot) == n);
	CHECK(full[n] == '\0');
	if (!csp_replace_has(tmpl))
		CHECK(n == strlen(tmpl) && memcmp(full, tmpl, n) == 0);
	if (strcmp(tmpl, "{}") == 0)
		CHECK(n == len && memcmp(full, rec, len) == 0);

	/* A buffer too short: as much as fits, NUL-terminated, nothing past its end. */
	k = cut % (n + 2);
	CHECK((part = malloc(k + 1)) != NULL);
	part[k] = 'z';
	CHECK(csp_replace(part, k, tmpl, rec, len, seq, slot) == n);
	CHECK(part[k] == 'z');
	if (k > 0) {
		size_t got = k - 1 < n ? k - 1 : n;

		CHECK(part[got] == '\0' && memcmp(part, full, got) == 0);
	}
	free(part);
	free(full);
	free(tmpl);
	return 0;
}
