/* fuzz.h: what the harnesses share: the input as a C string, and a check that aborts. */
#ifndef CSP_FUZZ_H
#define CSP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cspipe.h"

/* A broken promise is a crash, so libFuzzer keeps the input that caused it. */
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); abort(); } } while (0)

/* The input, NUL-terminated, as the command line would hand it over (up to its first NUL). */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
