/* lockkey.c: the migration lock's key (see lockkey.h). */
#include "lockkey.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

long long lock_key(const char *dbname, const char *history_display)
{
	unsigned char out[crypto_generichash_BYTES];
	char *text = xasprintf("pgboot:%s%s", dbname, history_display);
	crypto_generichash(out, sizeof(out), (const unsigned char *)text, strlen(text), NULL, 0);
	free(text);
	unsigned long long k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | out[i];
	return (long long)k;
}
