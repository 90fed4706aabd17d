/* Inside the scan module. */
#ifndef DQBATCH_SCAN_INTERNAL_H
#define DQBATCH_SCAN_INTERNAL_H

#include "dqbatch/scan.h"

struct scan_intern {
    dq_strset names;
};

/* The stored copy of s (added when new), or NULL when out of memory. */
const char *scan_intern_get(scan_intern *t, const char *s);
void scan_intern_free(scan_intern *t);

#endif
