/* The source module on directory trees: the fixture store, names passed over, single
 * files, order, and every bad input a tree can hold (symlink loops and cycles, symlinks
 * out of the tree, special files, unreadable and vanished files, the size cap). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqtest.h"
#include "source_support.h"

static const char small_json[] = "{\"run_id\": \"x\"}";

/* dir/relative as an owned string. */
static char *join(const char *dir, const char *relative)
{
    char *path = dq_asprintf("%s/%s", dir, relative);
    ck_assert_ptr_nonnull(path);
    return path;
}

static void make_symlink(const char *dir, const char *relative, const char *target)
{
    char *path = join(dir, relative);
    ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
    free(path);
}

/* Frees the walk, then removes the tree it walked (dir, owned). */
static void walk_done(source_test_walk *walk, char *dir)
{
    source_test_walk_free(walk);
    dqtest_rmrf(dir);
    free(dir);
}

START_TEST(test_fixture_store_as_directory)
{
    char *store = dqtest_fixture("truthound/store");
    dq_strlist want = {0};
    source_test_list_files(store, &want);
    ck_assert_uint_eq(want.len, 80);

    source_test_walk walk = {0};
    source_test_walk_one(store, 0, &walk);
    ck_assert_uint_eq(walk.len, 80);
    ck_assert_uint_eq(source_test_errors(&walk), 0);
    for (size_t i = 0; i < walk.len; i++) {
        dq_entry *e = walk.items[i];
        /* Byte order of the paths, and the same set as nftw sees. */
        ck_assert_str_eq(e->relpath, want.items[i]);
        char *path = join(store, e->relpath);
        ck_assert_str_eq(e->name, path);
        ck_assert_int_eq(e->input, 0);
        ck_assert_int_gt(e->mtime, 0);
        source_test_expect_bytes(e, path);
        free(path);
    }
    /* Non-ASCII directory and file names come through byte for byte. */
    ck_assert_ptr_nonnull(source_test_find(&walk, "flat/contr\xc3\xb4le_fournisseurs_"
                                                  "20240328_132822_49c0ab75.json"));
    source_test_walk_free(&walk);
    dq_strlist_free(&want);
    free(store);
}
END_TEST

START_TEST(test_passes_over_other_names)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "README.md", "hi", 2);
    dqtest_write(dir, "data.parquet", "PAR1", 4);
    dqtest_write(dir, "notes.json.bak", "{}", 2);
    dqtest_write(dir, "a.json", small_json, sizeof(small_json) - 1);
    dqtest_write(dir, "b.yaml.gz", "run_id: b\n", 10);
    dqtest_write(dir, "c.yml", "run_id: c\n", 10);
    dqtest_write(dir, "d.json/inner.json", small_json, sizeof(small_json) - 1);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 4);
    ck_assert_uint_eq(source_test_errors(&walk), 0);
    /* "a.json" < "b.yaml.gz" < "c.yml" < "d.json/inner.json" */
    ck_assert_str_eq(walk.items[0]->relpath, "a.json");
    ck_assert_str_eq(walk.items[1]->relpath, "b.yaml.gz");
    ck_assert_str_eq(walk.items[2]->relpath, "c.yml");
    ck_assert_str_eq(walk.items[3]->relpath, "d.json/inner.json");
    walk_done(&walk, dir);
}
END_TEST

/* Files sort before the contents of a directory whose name they extend with a byte
 * below '/': the order of the full paths. */
START_TEST(test_order_is_path_byte_order)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "a/z.json", small_json, 3);
    dqtest_write(dir, "a.json", small_json, 3);
    dqtest_write(dir, "a-b.json", small_json, 3);
    dqtest_write(dir, "a0.json", small_json, 3);
    dqtest_write(dir, "B.json", small_json, 3);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    const char *want[] = {"B.json", "a-b.json", "a.json", "a/z.json", "a0.json"};
    ck_assert_uint_eq(walk.len, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(walk.items[i]->relpath, want[i]);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_many_files_in_one_directory)
{
    char *dir = dqtest_tmpdir();
    enum { count = 3000 };
    for (int i = 0; i < count; i++) {
        char name[64];
        snprintf(name, sizeof(name), "run_%05d.json", (i * 7919) % count);
        dqtest_write(dir, name, small_json, 3);
    }
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, count);
    for (size_t i = 1; i < walk.len; i++)
        ck_assert_int_lt(strcmp(walk.items[i - 1]->relpath, walk.items[i]->relpath), 0);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_single_file_and_several_inputs)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "one/x.json", small_json, sizeof(small_json) - 1);
    dqtest_write(dir, "two/notes.txt", "not a result by name, but named by the user", 10);
    char *file = join(dir, "one/x.json");
    char *other = join(dir, "two/notes.txt");
    char *tree = join(dir, "one");
    const char *inputs[] = {file, other, tree};
    source_test_walk walk = {0};
    source_test_collect(inputs, 3, 0, &walk);
    ck_assert_uint_eq(walk.len, 3);
    ck_assert_str_eq(walk.items[0]->name, file);
    ck_assert_str_eq(walk.items[0]->relpath, "x.json");
    ck_assert_int_eq(walk.items[0]->input, 0);
    ck_assert_str_eq(walk.items[1]->relpath, "notes.txt");
    ck_assert_int_eq(walk.items[1]->input, 1);
    ck_assert_str_eq(walk.items[2]->relpath, "x.json");
    ck_assert_int_eq(walk.items[2]->input, 2);
    source_test_expect_bytes(walk.items[0], file);
    free(file);
    free(other);
    free(tree);
    walk_done(&walk, dir);
}
END_TEST

static int never_called(dq_entry *entry, void *ctx)
{
    (void)ctx;
    dq_entry_free(entry);
    ck_abort_msg("the walk went on after a missing input");
    return 1;
}

START_TEST(test_missing_input_is_an_error_before_any_work)
{
    char *store = dqtest_fixture("truthound/store");
    const char *inputs[] = {store, "/nonexistent/dq-store"};
    dq_error err = {0};
    dq_code rc = dq_source_walk(inputs, 2, NULL, never_called, NULL, &err);
    ck_assert_int_eq(rc, DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dq-store"));
    free(store);
}
END_TEST

START_TEST(test_callback_stops_the_walk)
{
    char *store = dqtest_fixture("truthound/store");
    source_test_walk walk = {.stop_after = 3};
    const char *inputs[] = {store, store};
    source_test_collect(inputs, 2, 0, &walk);
    ck_assert_uint_eq(walk.len, 3);
    source_test_walk_free(&walk);
    free(store);
}
END_TEST

START_TEST(test_symlink_loops_are_reported)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "ok.json", small_json, 3);
    make_symlink(dir, "self.json", "self.json");
    make_symlink(dir, "ping", "pong");
    make_symlink(dir, "pong", "ping");
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 4);
    source_test_expect_error(&walk, DQ_EUNSAFE, "/self.json");
    source_test_expect_error(&walk, DQ_EUNSAFE, "/ping");
    source_test_expect_error(&walk, DQ_EUNSAFE, "/pong");
    ck_assert_ptr_nonnull(source_test_find(&walk, "ok.json"));
    walk_done(&walk, dir);
}
END_TEST

/* A directory symlink cycle inside the tree: every file exactly once, and no error. */
START_TEST(test_directory_symlink_cycle_yields_each_file_once)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "a/x.json", small_json, 3);
    dqtest_write(dir, "a/b/y.json", small_json, 3);
    make_symlink(dir, "a/b/up", "..");
    make_symlink(dir, "a/b/root", "../..");
    make_symlink(dir, "alias", "a");
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 2);
    ck_assert_uint_eq(source_test_errors(&walk), 0);
    ck_assert_ptr_nonnull(source_test_find(&walk, "a/x.json"));
    ck_assert_ptr_nonnull(source_test_find(&walk, "a/b/y.json"));
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_symlinks_out_of_the_tree_are_refused)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "outside/secret.json", small_json, 3);
    dqtest_write(dir, "tree/ok.json", small_json, 3);
    make_symlink(dir, "tree/leak.json", "../outside/secret.json");
    make_symlink(dir, "tree/leakdir", "../outside");
    make_symlink(dir, "tree/abs.json", "/etc/passwd");
    make_symlink(dir, "tree/notes.txt", "/etc/passwd"); /* passed over by its name */
    char *tree = join(dir, "tree");
    source_test_walk walk = {0};
    source_test_walk_one(tree, 0, &walk);
    ck_assert_uint_eq(walk.len, 4);
    source_test_expect_error(&walk, DQ_EUNSAFE, "tree/leak.json");
    source_test_expect_error(&walk, DQ_EUNSAFE, "tree/leakdir");
    source_test_expect_error(&walk, DQ_EUNSAFE, "tree/abs.json");
    for (size_t i = 0; i < walk.len; i++) {
        ck_assert_ptr_null(strstr(walk.items[i]->relpath, "secret"));
        ck_assert(walk.items[i]->error.code != DQ_OK || !walk.items[i]->file ||
                  strstr(walk.items[i]->file, "/tree/"));
    }
    free(tree);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_file_symlink_inside_the_tree_is_read)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "real/x.json", small_json, sizeof(small_json) - 1);
    make_symlink(dir, "link.json", "real/x.json");
    make_symlink(dir, "gone.json", "real/missing.json");
    make_symlink(dir, "gone.txt", "real/missing.txt"); /* a name passed over anyway */
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 3);
    dq_entry *link = (dq_entry *)source_test_find(&walk, "link.json");
    ck_assert_ptr_nonnull(link);
    char *real = join(dir, "real/x.json");
    source_test_expect_bytes(link, real);
    source_test_expect_error(&walk, DQ_EIO, "/gone.json");
    free(real);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_special_files_are_never_opened)
{
    char *dir = dqtest_tmpdir();
    char *fifo = join(dir, "pipe.json");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    char *other = join(dir, "pipe.txt");
    ck_assert_int_eq(mkfifo(other, 0644), 0);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 1);
    source_test_expect_error(&walk, DQ_EIO, "/pipe.json");
    source_test_walk_free(&walk);

    /* Named directly, a FIFO is still refused, without blocking. */
    source_test_walk_one(fifo, 0, &walk);
    ck_assert_uint_eq(walk.len, 1);
    source_test_expect_error(&walk, DQ_EIO, "/pipe.json");
    free(fifo);
    free(other);
    walk_done(&walk, dir);
}
END_TEST

/* chmod 000 stops reads only for an unprivileged user: as root (the usual test
 * machine) the permission assertions are skipped, and the vanished-file and FIFO cases
 * cover the unreadable file for real. */
START_TEST(test_unreadable_file_and_directory)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "locked.json", small_json, 3);
    dqtest_write(dir, "closed/x.json", small_json, 3);
    char *locked = join(dir, "locked.json");
    char *closed = join(dir, "closed");
    ck_assert_int_eq(chmod(locked, 0), 0);
    ck_assert_int_eq(chmod(closed, 0), 0);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    if (geteuid() != 0) {
        source_test_expect_error(&walk, DQ_EIO, "/closed");
        dq_entry *e = (dq_entry *)source_test_find(&walk, "locked.json");
        ck_assert_ptr_nonnull(e);
        source_test_expect_load_error(e, 1 << 20, DQ_EIO, "locked.json");
    }
    chmod(closed, 0755);
    free(locked);
    free(closed);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_vanished_or_replaced_file_fails_to_load)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "gone.json", small_json, 3);
    dqtest_write(dir, "swapped.json", small_json, 3);
    dqtest_write(dir, "target.txt", small_json, 3);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 2);
    char *gone = join(dir, "gone.json");
    char *swapped = join(dir, "swapped.json");
    ck_assert_int_eq(unlink(gone), 0);
    ck_assert_int_eq(unlink(swapped), 0);
    ck_assert_int_eq(symlink("target.txt", swapped), 0);

    source_test_expect_load_error(walk.items[0], 1 << 20, DQ_EIO, "gone.json");
    source_test_expect_load_error(walk.items[1], 1 << 20, DQ_EUNSAFE, "swapped.json");
    free(gone);
    free(swapped);
    walk_done(&walk, dir);
}
END_TEST

START_TEST(test_load_is_bounded)
{
    char *store = dqtest_fixture("truthound/store");
    source_test_walk walk = {0};
    source_test_walk_one(store, 0, &walk);
    ck_assert_uint_gt(walk.len, 0);
    dq_entry *e = walk.items[0];
    ck_assert_int_gt(e->size, 100);
    dq_buf buf;
    dq_buf_init(&buf, 1 << 20);
    dq_error err = {0};
    ck_assert_int_eq(dq_entry_load(e, 100, &buf, &err), DQ_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, e->name));
    /* Exactly the size is allowed. */
    ck_assert_int_eq(dq_entry_load(e, (size_t)e->size, &buf, &err), DQ_OK);
    ck_assert_uint_eq(buf.len, (size_t)e->size);
    dq_buf_free(&buf);
    source_test_walk_free(&walk);
    free(store);
}
END_TEST

/* A tree nested deeper than any store (a runaway generator, a crafted tree) is cut off
 * with an error naming where, and the rest of the tree is still walked. */
START_TEST(test_too_deep_tree_is_cut_off)
{
    char *dir = dqtest_tmpdir();
    dq_buf deep;
    dq_buf_init(&deep, 1 << 16);
    for (int i = 0; i < 140; i++)
        ck_assert_int_eq(dq_buf_adds(&deep, "d/"), DQ_OK);
    ck_assert_int_eq(dq_buf_adds(&deep, "x.json"), DQ_OK);
    dqtest_write(dir, deep.data, small_json, 3);
    dqtest_write(dir, "z.json", small_json, 3);
    source_test_walk walk = {0};
    source_test_walk_one(dir, 0, &walk);
    ck_assert_uint_eq(walk.len, 2);
    source_test_expect_error(&walk, DQ_EUNSAFE, "/d/d/d/");
    ck_assert_int_eq(source_test_find(&walk, "z.json")->error.code, DQ_OK);
    source_test_walk_free(&walk);
    dq_buf_free(&deep);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *source_walk_suite(void)
{
    Suite *s = suite_create("source_walk");
    TCase *tc = tcase_create("walk");
    tcase_add_test(tc, test_fixture_store_as_directory);
    tcase_add_test(tc, test_passes_over_other_names);
    tcase_add_test(tc, test_order_is_path_byte_order);
    tcase_add_test(tc, test_many_files_in_one_directory);
    tcase_add_test(tc, test_single_file_and_several_inputs);
    tcase_add_test(tc, test_missing_input_is_an_error_before_any_work);
    tcase_add_test(tc, test_callback_stops_the_walk);
    suite_add_tcase(s, tc);
    TCase *bad = tcase_create("bad input");
    tcase_add_test(bad, test_symlink_loops_are_reported);
    tcase_add_test(bad, test_directory_symlink_cycle_yields_each_file_once);
    tcase_add_test(bad, test_symlinks_out_of_the_tree_are_refused);
    tcase_add_test(bad, test_file_symlink_inside_the_tree_is_read);
    tcase_add_test(bad, test_special_files_are_never_opened);
    tcase_add_test(bad, test_unreadable_file_and_directory);
    tcase_add_test(bad, test_vanished_or_replaced_file_fails_to_load);
    tcase_add_test(bad, test_load_is_bounded);
    tcase_add_test(bad, test_too_deep_tree_is_cut_off);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return dqtest_run(source_walk_suite());
}
