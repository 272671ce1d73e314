/* fuzz.h - what every libFuzzer harness shares: a NUL-terminated copy of the input. */
#ifndef HOLDCONN_FUZZ_H
#define HOLDCONN_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The parsers take C strings: the input up to its first NUL, on the heap so ASan sees overruns. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* abort() with a reason: libFuzzer saves the input that got here. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
