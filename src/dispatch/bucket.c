/* Token bucket: the pace of one destination. */
#include <time.h>

#include "dispatch_internal.h"

double dq_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void dq_bucket_init(dq_bucket *b, dq_rate rate, double now)
{
    b->per_second = rate.per_second > 0 ? rate.per_second : 0;
    b->burst = rate.burst >= 1 ? rate.burst : 1;
    b->tokens = b->burst;
    b->last = now;
    b->waiting = false;
}

/* While a request waits on the bucket, the loop wakes a little after the token is due
 * (poll has millisecond resolution, and the machine may be busy); that lateness, up to
 * this much, is credited so the pace does not fall below the rate. An idle bucket still
 * holds only its burst, and below 100/s the credit is less than one request. */
#define DQ_BUCKET_SLACK 0.010

double dq_bucket_wait(dq_bucket *b, double now, double slowdown)
{
    if (b->per_second <= 0)
        return 0;
    double rate = b->per_second / (slowdown >= 1 ? slowdown : 1);
    if (now > b->last) {
        double cap = b->burst + (b->waiting ? rate * DQ_BUCKET_SLACK : 0);
        b->tokens += (now - b->last) * rate;
        if (b->tokens > cap)
            b->tokens = cap;
        b->last = now;
    }
    b->waiting = b->tokens < 1 - 1e-9; /* rounding must not cost a wake-up */
    if (!b->waiting)
        return 0;
    return (1 - b->tokens) / rate;
}

void dq_bucket_take(dq_bucket *b)
{
    if (b->per_second > 0)
        b->tokens -= 1;
}
