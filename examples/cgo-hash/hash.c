// FNV-1a, 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/): the service's C code.
#include <stdint.h>
#include <stddef.h>

uint64_t fnv1a64(const char *s, size_t n) {
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}
