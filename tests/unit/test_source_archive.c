/* The source module on archives: the fixture store as tar.gz and zip, archives built
 * here (tar.zst, tar.xz, a tar inside a directory, non-ASCII names), and bad archives
 * (unsafe member paths, links, truncation, garbage, members over the cap). */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "dqtest.h"
#include "source_support.h"

typedef struct test_member {
    const char *path;
    const char *data; /* NUL-terminated text */
    int type;         /* 0 for a regular file, else AE_IFDIR, AE_IFLNK */
    const char *link; /* symlink target */
    const char *hardlink;
} test_member;

/* libarchive's writers need a UTF-8 LC_CTYPE to store non-ASCII names (under the C
 * locale the pax writer even crashes on them): set for this thread while writing. */
static locale_t utf8_begin(void)
{
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    ck_assert_ptr_nonnull(utf8);
    return uselocale(utf8);
}

static void utf8_end(locale_t old)
{
    locale_t utf8 = uselocale(old);
    freelocale(utf8);
}

static struct archive *archive_writer_with(const char *path, int filter, bool zip,
                                           const char *passphrase)
{
    struct archive *a = archive_write_new();
    ck_assert_ptr_nonnull(a);
    if (zip) {
        ck_assert_int_eq(archive_write_set_format_zip(a), ARCHIVE_OK);
        /* Sets the zip UTF-8 flag on non-ASCII names. */
        ck_assert_int_eq(archive_write_set_options(a, "hdrcharset=UTF-8"), ARCHIVE_OK);
        if (passphrase) {
            ck_assert_int_eq(archive_write_set_options(a, "zip:encryption=zipcrypt"), ARCHIVE_OK);
            ck_assert_int_eq(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
        }
    } else {
        ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
        ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
    }
    ck_assert_msg(archive_write_open_filename(a, path) == ARCHIVE_OK, "%s",
                  archive_error_string(a));
    return a;
}

static struct archive *archive_writer(const char *path, int filter, bool zip)
{
    return archive_writer_with(path, filter, zip, NULL);
}

static void archive_add(struct archive *a, const test_member *m)
{
    struct archive_entry *ae = archive_entry_new();
    ck_assert_ptr_nonnull(ae);
    archive_entry_set_pathname_utf8(ae, m->path);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_mtime(ae, 1712102400, 0);
    size_t len = m->data ? strlen(m->data) : 0;
    if (m->hardlink) {
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, m->hardlink);
        len = 0;
    } else {
        archive_entry_set_filetype(ae, m->type ? (unsigned)m->type : AE_IFREG);
        if (m->link)
            archive_entry_set_symlink(ae, m->link);
    }
    archive_entry_set_size(ae, (la_int64_t)len);
    ck_assert_msg(archive_write_header(a, ae) == ARCHIVE_OK, "%s", archive_error_string(a));
    if (len)
        ck_assert_int_eq(archive_write_data(a, m->data, len), (la_ssize_t)len);
    archive_entry_free(ae);
}

static void archive_finish(struct archive *a)
{
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static void write_archive(const char *path, int filter, bool zip, const test_member *members,
                          size_t count)
{
    locale_t old = utf8_begin();
    struct archive *a = archive_writer(path, filter, zip);
    for (size_t i = 0; i < count; i++)
        archive_add(a, &members[i]);
    archive_finish(a);
    utf8_end(old);
}

/* Packs the fixture store as "store/<relpath>" members, the way store.tar.gz holds it. */
static void write_store_archive(const char *path, int filter, bool zip)
{
    char *store = dqtest_fixture("truthound/store");
    dq_strlist files = {0};
    source_test_list_files(store, &files);
    locale_t old = utf8_begin();
    struct archive *a = archive_writer(path, filter, zip);
    for (size_t i = 0; i < files.len; i++) {
        char *file = dq_asprintf("%s/%s", store, files.items[i]);
        char *member = dq_asprintf("store/%s", files.items[i]);
        size_t len = 0;
        char *data = dqtest_read(file, &len);
        ck_assert_ptr_nonnull(data);
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname_utf8(ae, member);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)len);
        ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
        ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
        archive_entry_free(ae);
        free(data);
        free(member);
        free(file);
    }
    archive_finish(a);
    utf8_end(old);
    dq_strlist_free(&files);
    free(store);
}

/* The entries whose names start with "<archive>:" are exactly the 80 fixture files as
 * "store/<relpath>", with their bytes. */
static void expect_store_members(source_test_walk *walk, const char *archive)
{
    char *store = dqtest_fixture("truthound/store");
    char *prefix = dq_asprintf("%s:", archive);
    dq_strlist want = {0};
    source_test_list_files(store, &want);
    size_t seen = 0;
    for (size_t i = 0; i < walk->len; i++) {
        dq_entry *e = walk->items[i];
        if (strncmp(e->name, prefix, strlen(prefix)) != 0)
            continue;
        ck_assert_msg(e->error.code == DQ_OK, "%s", e->error.msg);
        ck_assert_str_eq(e->name + strlen(prefix), e->relpath);
        ck_assert_msg(strncmp(e->relpath, "store/", 6) == 0, "%s", e->relpath);
        ck_assert_ptr_null(e->file);
        bool listed = false;
        for (size_t j = 0; j < want.len && !listed; j++)
            listed = strcmp(want.items[j], e->relpath + 6) == 0;
        ck_assert_msg(listed, "%s is not a fixture file", e->relpath);
        char *path = dq_asprintf("%s/%s", store, e->relpath + 6);
        source_test_expect_bytes(e, path);
        ck_assert_ptr_null(e->data.data); /* moved out, not copied */
        free(path);
        seen++;
    }
    ck_assert_uint_eq(seen, want.len);
    ck_assert_uint_eq(seen, 80);
    dq_strlist_free(&want);
    free(prefix);
    free(store);
}

/* An archive of the fixture store and nothing else. */
static void expect_store_archive(const char *archive)
{
    source_test_walk walk = {0};
    source_test_walk_one(archive, 0, &walk);
    ck_assert_uint_eq(walk.len, 80);
    expect_store_members(&walk, archive);
    source_test_walk_free(&walk);
}

static void check_fixture_archive(const char *relative)
{
    char *archive = dqtest_fixture(relative);
    expect_store_archive(archive);
    free(archive);
}

START_TEST(test_fixture_tar_gz)
{
    check_fixture_archive("truthound/archives/store.tar.gz");
}
END_TEST

START_TEST(test_fixture_zip)
{
    check_fixture_archive("truthound/archives/store.zip");
}
END_TEST

static void check_built_archive(const char *name, int filter, bool zip)
{
    char *dir = dqtest_tmpdir();
    char *archive = dq_asprintf("%s/%s", dir, name);
    write_store_archive(archive, filter, zip);
    expect_store_archive(archive);
    free(archive);
    dqtest_rmrf(dir);
    free(dir);
}

START_TEST(test_built_tar_zst)
{
    check_built_archive("store.tar.zst", ARCHIVE_FILTER_ZSTD, false);
}
END_TEST

START_TEST(test_built_tar_xz)
{
    check_built_archive("store.tar.xz", ARCHIVE_FILTER_XZ, false);
}
END_TEST

START_TEST(test_built_tar_bz2)
{
    check_built_archive("store.tar.bz2", ARCHIVE_FILTER_BZIP2, false);
}
END_TEST

/* The compression is detected from the bytes, not the name. */
START_TEST(test_compression_detected_not_named)
{
    check_built_archive("store.tar.gz", ARCHIVE_FILTER_ZSTD, false);
}
END_TEST

/* An archive in a directory is opened too; its members are "dir/x.tar:member". */
START_TEST(test_tar_inside_directory)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "in/a.json", "{}", 2);
    dqtest_write(dir, "in/zz.json", "{}", 2);
    char *sub = dq_asprintf("%s/in/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    char *archive = dq_asprintf("%s/store.tar", sub);
    write_store_archive(archive, ARCHIVE_FILTER_NONE, false);
    char *input = dq_asprintf("%s/in", dir);
    source_test_walk walk = {0};
    source_test_walk_one(input, 0, &walk);
    ck_assert_uint_eq(walk.len, 82);
    ck_assert_uint_eq(source_test_errors(&walk), 0);
    /* In path order: a.json, the archive's members, zz.json. */
    ck_assert_str_eq(walk.items[0]->relpath, "a.json");
    ck_assert_str_eq(walk.items[81]->relpath, "zz.json");
    expect_store_members(&walk, archive);
    source_test_walk_free(&walk);

    /* Through a symlink inside the tree, the archive is read under the link's name. */
    char *link = dq_asprintf("%s/in/link.tar", dir);
    ck_assert_int_eq(symlink("sub/store.tar", link), 0);
    source_test_walk_one(input, 0, &walk);
    ck_assert_uint_eq(walk.len, 162);
    expect_store_members(&walk, link);
    source_test_walk_free(&walk);
    free(link);
    free(input);
    free(archive);
    free(sub);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_non_ascii_member_names)
{
    const char *name = "donn\xc3\xa9"
                       "es/\xc3\xa9t\xc3\xa9_\xf0\x9f\x93\xb1.json";
    const test_member members[] = {{.path = name, .data = "{\"a\": 1}"}};
    char *dir = dqtest_tmpdir();
    const char *archives[] = {"names.tar", "names.zip"};
    for (size_t i = 0; i < 2; i++) {
        char *archive = dq_asprintf("%s/%s", dir, archives[i]);
        write_archive(archive, ARCHIVE_FILTER_NONE, i == 1, members, 1);
        source_test_walk walk = {0};
        source_test_walk_one(archive, 0, &walk);
        ck_assert_uint_eq(walk.len, 1);
        ck_assert_msg(walk.items[0]->error.code == DQ_OK, "%s", walk.items[0]->error.msg);
        ck_assert_str_eq(walk.items[0]->relpath, name);
        ck_assert_str_eq(walk.items[0]->data.data, "{\"a\": 1}");
        source_test_walk_free(&walk);
        free(archive);
    }
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_unsafe_member_paths_are_refused)
{
    const test_member members[] = {
        {.path = "/etc/evil.json", .data = "{}"},
        {.path = "../evil.json", .data = "{}"},
        {.path = "store/../../evil.json", .data = "{}"},
        {.path = "store/..\\..\\evil.json", .data = "{}"},
        {.path = "../outside/", .type = AE_IFDIR},
        {.path = "store/ok..name.json", .data = "{\"ok\": 1}"},
    };
    char *dir = dqtest_tmpdir();
    const char *archives[] = {"unsafe.tar.gz", "unsafe.zip"};
    for (size_t i = 0; i < 2; i++) {
        char *archive = dq_asprintf("%s/%s", dir, archives[i]);
        write_archive(archive, ARCHIVE_FILTER_GZIP, i == 1, members, 6);
        source_test_walk walk = {0};
        source_test_walk_one(archive, 0, &walk);
        ck_assert_uint_eq(walk.len, 6);
        for (size_t j = 0; j < 5; j++) {
            char *shown = dq_asprintf("%s:%s", archive, members[j].path);
            const dq_entry *e = source_test_expect_error(&walk, DQ_EUNSAFE, shown);
            ck_assert_ptr_null(e->data.data); /* never read */
            free(shown);
        }
        const dq_entry *ok = source_test_find(&walk, "store/ok..name.json");
        ck_assert_ptr_nonnull(ok);
        ck_assert_int_eq(ok->error.code, DQ_OK);
        source_test_walk_free(&walk);
        free(archive);
    }
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_link_members_are_not_followed)
{
    const test_member members[] = {
        {.path = "store/real.json", .data = "{}"},
        {.path = "store/soft.json", .type = AE_IFLNK, .link = "/etc/passwd"},
        {.path = "store/hard.json", .hardlink = "store/real.json"},
        {.path = "store/other-link", .type = AE_IFLNK, .link = "/etc/passwd"},
    };
    char *dir = dqtest_tmpdir();
    char *archive = dq_asprintf("%s/links.tar", dir);
    write_archive(archive, ARCHIVE_FILTER_NONE, false, members, 4);
    source_test_walk walk = {0};
    source_test_walk_one(archive, 0, &walk);
    ck_assert_uint_eq(walk.len, 3);
    source_test_expect_error(&walk, DQ_EUNSAFE, "links.tar:store/soft.json");
    source_test_expect_error(&walk, DQ_EUNSAFE, "links.tar:store/hard.json");
    ck_assert_int_eq(source_test_find(&walk, "store/real.json")->error.code, DQ_OK);
    source_test_walk_free(&walk);
    free(archive);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

/* The first part of a fixture archive, then a good file as a second input: the members
 * before the cut come through, one error names the archive, and the walk goes on. */
static void check_truncated(const char *relative, const char *name, size_t percent)
{
    char *fixture = dqtest_fixture(relative);
    size_t len = 0;
    char *bytes = dqtest_read(fixture, &len);
    ck_assert_ptr_nonnull(bytes);
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, name, bytes, len * percent / 100);
    dqtest_write(dir, "after.json", "{}", 2);
    char *archive = dq_asprintf("%s/%s", dir, name);
    char *after = dq_asprintf("%s/after.json", dir);
    const char *inputs[] = {archive, after};
    source_test_walk walk = {0};
    source_test_collect(inputs, 2, 0, &walk);
    ck_assert_uint_gt(walk.len, 3);
    ck_assert_uint_lt(walk.len, 80);
    ck_assert_uint_eq(source_test_errors(&walk), 1);
    source_test_expect_error(&walk, DQ_EFORMAT, archive);
    ck_assert_int_eq(walk.items[walk.len - 2]->error.code, DQ_EFORMAT);
    dq_entry *last = walk.items[walk.len - 1];
    ck_assert_int_eq(last->input, 1);
    ck_assert_int_eq(last->error.code, DQ_OK);
    source_test_walk_free(&walk);
    free(after);
    free(archive);
    free(bytes);
    free(fixture);
    dqtest_rmrf(dir);
    free(dir);
}

START_TEST(test_truncated_tar_gz)
{
    check_truncated("truthound/archives/store.tar.gz", "cut.tar.gz", 50);
}
END_TEST

START_TEST(test_truncated_zip)
{
    check_truncated("truthound/archives/store.zip", "cut.zip", 60);
}
END_TEST

START_TEST(test_garbage_archives)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "in/text.zip", "this is not a zip file at all\n", 30);
    dqtest_write(dir, "in/text.tar.gz", "\x1f\x8b\x08\x00garbage after a gzip magic", 31);
    dqtest_write(dir, "in/empty.tar", "", 0);
    /* A tar of nothing (its end-of-archive blocks): nothing in it, nothing wrong. */
    char zeros[10240] = {0};
    dqtest_write(dir, "in/nothing.tar", zeros, sizeof(zeros));
    char *input = dq_asprintf("%s/in", dir);
    source_test_walk walk = {0};
    source_test_walk_one(input, 0, &walk);
    ck_assert_uint_eq(walk.len, 3);
    source_test_expect_error(&walk, DQ_EFORMAT, "in/text.zip");
    source_test_expect_error(&walk, DQ_EFORMAT, "in/text.tar.gz");
    /* An empty file is no archive: most likely a write that never happened. */
    source_test_expect_error(&walk, DQ_EFORMAT, "in/empty.tar");
    source_test_walk_free(&walk);
    free(input);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

/* Members over the cap are errors naming the member, never read; the others come
 * through whole. */
static void check_member_cap(const char *relative)
{
    enum { cap = 1500 };
    char *archive = dqtest_fixture(relative);
    source_test_walk walk = {0};
    source_test_walk_one(archive, cap, &walk);
    ck_assert_uint_eq(walk.len, 80);
    size_t over = 0;
    size_t under = 0;
    for (size_t i = 0; i < walk.len; i++) {
        dq_entry *e = walk.items[i];
        if (e->error.code == DQ_OK) {
            ck_assert_uint_le(e->data.len, cap);
            ck_assert_uint_eq(e->data.len, (size_t)e->size);
            under++;
            continue;
        }
        ck_assert_int_eq(e->error.code, DQ_ETOOBIG);
        ck_assert_ptr_nonnull(strstr(e->error.msg, e->name));
        ck_assert_ptr_null(e->data.data);
        over++;
    }
    ck_assert_uint_gt(over, 0);
    ck_assert_uint_gt(under, 0);
    source_test_walk_free(&walk);
    free(archive);
}

START_TEST(test_member_over_cap_tar_gz)
{
    check_member_cap("truthound/archives/store.tar.gz");
}
END_TEST

START_TEST(test_member_over_cap_zip)
{
    check_member_cap("truthound/archives/store.zip");
}
END_TEST

START_TEST(test_load_of_member_is_bounded)
{
    char *archive = dqtest_fixture("truthound/archives/store.tar.gz");
    source_test_walk walk = {.stop_after = 1};
    source_test_walk_one(archive, 0, &walk);
    dq_entry *e = walk.items[0];
    source_test_expect_load_error(e, 10, DQ_ETOOBIG, e->name);
    ck_assert_ptr_nonnull(e->data.data); /* still there for a later load */
    source_test_walk_free(&walk);
    free(archive);
}
END_TEST

/* A member that cannot be read (here: encrypted) is an error of its own; the members
 * after it are still read. */
START_TEST(test_unreadable_member_does_not_stop_the_archive)
{
    char *dir = dqtest_tmpdir();
    char *archive = dq_asprintf("%s/locked.zip", dir);
    locale_t old = utf8_begin();
    struct archive *a = archive_writer_with(archive, ARCHIVE_FILTER_NONE, true, "secret");
    const test_member locked[] = {{.path = "a.json", .data = "{}"},
                                  {.path = "b.json", .data = "{}"}};
    archive_add(a, &locked[0]);
    archive_add(a, &locked[1]);
    archive_finish(a);
    utf8_end(old);
    source_test_walk walk = {0};
    source_test_walk_one(archive, 0, &walk);
    ck_assert_uint_eq(walk.len, 2);
    source_test_expect_error(&walk, DQ_EFORMAT, "locked.zip:a.json");
    source_test_expect_error(&walk, DQ_EFORMAT, "locked.zip:b.json");
    source_test_walk_free(&walk);
    free(archive);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *source_archive_suite(void)
{
    Suite *s = suite_create("source_archive");
    TCase *tc = tcase_create("archives");
    tcase_add_test(tc, test_fixture_tar_gz);
    tcase_add_test(tc, test_fixture_zip);
    tcase_add_test(tc, test_built_tar_zst);
    tcase_add_test(tc, test_built_tar_xz);
    tcase_add_test(tc, test_built_tar_bz2);
    tcase_add_test(tc, test_compression_detected_not_named);
    tcase_add_test(tc, test_tar_inside_directory);
    tcase_add_test(tc, test_non_ascii_member_names);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("bad archives");
    tcase_add_test(bad, test_unsafe_member_paths_are_refused);
    tcase_add_test(bad, test_link_members_are_not_followed);
    tcase_add_test(bad, test_truncated_tar_gz);
    tcase_add_test(bad, test_truncated_zip);
    tcase_add_test(bad, test_garbage_archives);
    tcase_add_test(bad, test_unreadable_member_does_not_stop_the_archive);
    tcase_add_test(bad, test_member_over_cap_tar_gz);
    tcase_add_test(bad, test_member_over_cap_zip);
    tcase_add_test(bad, test_load_of_member_is_bounded);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return dqtest_run(source_archive_suite());
}
