/*
 * guest-dlopen: a program that loads libcspipe with dlopen() (the path in
 * argv[1]) and checks that loading it, and a call into it, left argv and
 * environ as they were: the same pointers, the same bytes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int
main(int argc, char *argv[])
{
	char *copy[8], *ptr[8], **env = environ, *env0 = environ[0];
	int64_t (*now)(void);
	void *lib;
	int i, n = argc < 8 ? argc : 8;

	for (i = 0; i < n; i++) {
		copy[i] = strdup(argv[i]);
		ptr[i] = argv[i];
	}
	if (argc < 2 || (lib = dlopen(argv[1], RTLD_NOW)) == NULL) {
		fprintf(stderr, "guest-dlopen: %s\n", argc < 2 ? "usage: guest-dlopen LIB" : dlerror());
		return 2;
	}
	if ((now = (int64_t (*)(void))dlsym(lib, "csp_now")) == NULL || now() <= 0) {
		fprintf(stderr, "guest-dlopen: csp_now: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (argv[i] != ptr[i] || strcmp(argv[i], copy[i]) != 0) {
			fprintf(stderr, "guest-dlopen: argv[%d] changed: %s\n", i, argv[i]);
			return 1;
		}
		free(copy[i]);
	}
	if (environ != env || environ[0] != env0) {
		fprintf(stderr, "guest-dlopen: environ moved\n");
		return 1;
	}
	dlclose(lib);
	printf("argv and environ untouched by dlopen\n");
	return 0;
}
