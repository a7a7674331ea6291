/*
 * pick.c: a uniform choice of one of n, for select and merge. xorshift64*
 * seeded from arc4random, and again in every forked child (csp__gen): a
 * choice per operation is too frequent to pay arc4random's getpid() each time.
 */
#include <stdint.h>
#include <bsd/stdlib.h>

#include "core/impl.h"

int
csp__pick(int n)
{
	static uint64_t x;
	static unsigned long gen = (unsigned long)-1;

	if (gen != csp__gen || x == 0) {
		gen = csp__gen;
		x = ((uint64_t)arc4random() << 32 | arc4random()) | 1;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	/* The high 32 bits scaled to n: a bias under n / 2^32, far below what a test sees. */
	return (int)((((x * 0x2545F4914F6CDD1DULL) >> 32) * (uint64_t)n) >> 32);
}
