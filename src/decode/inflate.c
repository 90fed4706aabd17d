/* gzip, recognised by its magic bytes only: truthound names plain YAML ".yaml.gz".
 *
 * What truthound writes (one member, its size in the trailer) inflates in one call of
 * libdeflate, about twice as fast as zlib. Anything else (several members, NUL padding,
 * a trailer that lies, data past the cap) and any failure goes to zlib, which streams
 * every case under the cap and explains every error. */
#include <libdeflate.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "decode_internal.h"

#define INFLATE_MIN_STEP ((size_t)64 << 10)

bool dq_decode_is_gzip(const void *data, size_t len)
{
    const unsigned char *p = data;
    return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static size_t inflate_trailer_size(const unsigned char *p, size_t len)
{
    const unsigned char *t = p + len - 4;
    return (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
}

/* The last member's ISIZE (the inflated size mod 2^32) sizes the first allocation, so a
 * single-member file inflates without a realloc. It is only a hint, bounded by what
 * deflate can reach (about 1032 bytes out per byte in) so a lying trailer cannot make a
 * small file reserve the whole cap; the cap itself is checked on the bytes produced. */
static size_t inflate_size_hint(const unsigned char *p, size_t len, size_t max)
{
    if (len < 18)
        return INFLATE_MIN_STEP;
    size_t isize = inflate_trailer_size(p, len);
    size_t reach = len > SIZE_MAX / 1032 ? SIZE_MAX : len * 1032;
    if (isize > reach)
        isize = reach;
    return isize < max ? isize : max;
}

/* Makes room for more output below the cap; *full says the cap is reached. */
static dq_code inflate_grow(const char *name, dq_buf *out, size_t max, size_t want, bool *full,
                            dq_error *err)
{
    size_t room = out->cap > out->len ? out->cap - out->len - 1 : 0;
    *full = false;
    if (room > 0)
        return DQ_OK;
    if (out->len >= max) {
        *full = true;
        return DQ_OK;
    }
    size_t extra = want > INFLATE_MIN_STEP ? want : INFLATE_MIN_STEP;
    if (extra > max - out->len)
        extra = max - out->len;
    dq_code rc = dq_buf_reserve(out, extra);
    if (rc == DQ_ETOOBIG)
        return dq_fail(err, rc, "%s: gzip data inflates past the cap of %zu bytes", name,
                       out->max < max ? out->max : max);
    if (rc)
        return dq_fail(err, rc, "%s: out of memory inflating gzip data", name);
    return DQ_OK;
}

/* After a member ends: Python's gzip module skips NUL padding and reads further members;
 * anything else after a member is garbage. Returns true when another member follows. */
static dq_code inflate_after_member(const char *name, z_stream *zs, const unsigned char *start,
                                    size_t len, bool *more, dq_error *err)
{
    const unsigned char *p = zs->next_in;
    const unsigned char *end = start + len;
    while (p < end && *p == 0)
        p++;
    *more = false;
    if (p == end)
        return DQ_OK;
    if (!dq_decode_is_gzip(p, (size_t)(end - p)))
        return dq_fail(err, DQ_EFORMAT, "%s: trailing garbage after the gzip data at byte %zu",
                       name, (size_t)(p - start));
    if (inflateReset(zs) != Z_OK)
        return dq_fail(err, DQ_EFORMAT, "%s: cannot restart inflating", name);
    zs->next_in = (Bytef *)p;
    *more = true;
    return DQ_OK;
}

/* Feeds the input in pieces zlib's 32-bit counters can hold. */
static void inflate_feed(z_stream *zs, const unsigned char *start, size_t len)
{
    size_t left = len - (size_t)(zs->next_in - start);
    zs->avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
}

static dq_code inflate_check(const char *name, int zr, const z_stream *zs, bool at_end,
                             dq_error *err)
{
    if (zr == Z_MEM_ERROR)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory inflating gzip data", name);
    if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR)
        return dq_fail(err, DQ_EFORMAT, "%s: bad gzip data (%s)", name,
                       zs->msg ? zs->msg : "corrupt stream");
    if (at_end)
        return dq_fail(err, DQ_EFORMAT, "%s: truncated gzip data", name);
    return DQ_OK;
}

static dq_code inflate_members(const char *name, z_stream *zs, const unsigned char *in, size_t len,
                               size_t max, dq_buf *out, dq_error *err)
{
    size_t want = inflate_size_hint(in, len, max) + 1;
    zs->next_in = (Bytef *)in;
    for (;;) {
        bool full;
        dq_code rc = inflate_grow(name, out, max, want, &full, err);
        if (rc)
            return rc;
        want = out->len;
        /* At the cap, one probe byte tells whether the data goes on past it. */
        unsigned char probe;
        size_t room = full ? 1 : out->cap - out->len - 1;
        zs->next_out = full ? &probe : (Bytef *)out->data + out->len;
        zs->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        inflate_feed(zs, in, len);
        int zr = inflate(zs, Z_NO_FLUSH);
        size_t produced = (size_t)(zs->next_out - (full ? &probe : (Bytef *)out->data + out->len));
        if (full && produced > 0)
            return dq_fail(err, DQ_ETOOBIG, "%s: gzip data inflates past the cap of %zu bytes",
                           name, max);
        if (!full)
            out->len += produced;
        if (zr == Z_STREAM_END) {
            bool more;
            rc = inflate_after_member(name, zs, in, len, &more, err);
            if (rc)
                return rc;
            if (!more)
                break;
            continue;
        }
        bool starved = zs->avail_in == 0 && (size_t)(zs->next_in - in) == len;
        rc = inflate_check(name, zr, zs, starved && zs->avail_out > 0, err);
        if (rc)
            return rc;
    }
    if (out->data)
        out->data[out->len] = '\0';
    return DQ_OK;
}

/* The whole file as one member of the size its trailer gives, CRC and size checked by
 * libdeflate; false, with out as it was, for anything else. */
static bool inflate_whole(struct libdeflate_decompressor *d, const unsigned char *in, size_t len,
                          size_t max, dq_buf *out)
{
    if (!d || len < 18)
        return false;
    size_t size = inflate_trailer_size(in, len);
    if (size > max || size / 1032 > len || dq_buf_reserve(out, size) != DQ_OK)
        return false;
    size_t used = 0, produced = 0;
    enum libdeflate_result r =
        libdeflate_gzip_decompress_ex(d, in, len, out->data + out->len, size, &used, &produced);
    if (r != LIBDEFLATE_SUCCESS || used != len || produced != size)
        return false;
    out->len += produced;
    out->data[out->len] = '\0';
    return true;
}

static dq_code inflate_start(const char *name, z_stream *zs, dq_error *err)
{
    memset(zs, 0, sizeof(*zs));
    /* 16 + MAX_WBITS: a gzip wrapper only, with its CRC and length checked by zlib. */
    if (inflateInit2(zs, 16 + MAX_WBITS) != Z_OK)
        return dq_fail(err, DQ_ENOMEM, "%s: cannot start inflating gzip data", name);
    return DQ_OK;
}

/* The cache's stream is set up once and reset for each file: inflateInit2 and inflateEnd
 * allocate and free zlib's 40 KiB of state every time. */
static dq_code inflate_cached_stream(const char *name, dq_decode_cache *cache, dq_error *err)
{
    if (!cache->stream_ready) {
        dq_code rc = inflate_start(name, &cache->stream, err);
        cache->stream_ready = rc == DQ_OK;
        return rc;
    }
    if (inflateReset(&cache->stream) != Z_OK)
        return dq_fail(err, DQ_EFORMAT, "%s: cannot restart inflating", name);
    return DQ_OK;
}

dq_code dq_decode_inflate_cached(const char *name, const void *data, size_t len, size_t max,
                                 dq_buf *out, dq_decode_cache *cache, dq_error *err)
{
    if (!dq_decode_is_gzip(data, len))
        return DQ_OK;
    if (cache) {
        if (!cache->deflate)
            cache->deflate = libdeflate_alloc_decompressor();
        if (inflate_whole(cache->deflate, data, len, max, out))
            return DQ_OK;
        dq_code rc = inflate_cached_stream(name, cache, err);
        return rc ? rc : inflate_members(name, &cache->stream, data, len, max, out, err);
    }
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    bool whole = inflate_whole(d, data, len, max, out);
    libdeflate_free_decompressor(d);
    if (whole)
        return DQ_OK;
    z_stream zs;
    dq_code rc = inflate_start(name, &zs, err);
    if (rc)
        return rc;
    rc = inflate_members(name, &zs, data, len, max, out, err);
    inflateEnd(&zs);
    return rc;
}

dq_code dq_decode_inflate(const char *name, const void *data, size_t len, size_t max, dq_buf *out,
                          dq_error *err)
{
    return dq_decode_inflate_cached(name, data, len, max, out, NULL, err);
}

void dq_decode_inflate_end(dq_decode_cache *cache)
{
    if (cache->stream_ready)
        inflateEnd(&cache->stream);
    cache->stream_ready = false;
    libdeflate_free_decompressor(cache->deflate);
    cache->deflate = NULL;
}
