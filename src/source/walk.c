/* Directory trees and the inputs themselves. A tree is walked with openat/fstatat, one
 * directory level's names at a time (read, sorted, visited), so a directory of 100,000
 * files costs its names only, and a file costs one fstatat. Symlinks are resolved with
 * realpath and never followed out of the tree; directory symlinks are never followed at
 * all (see visit_symlink), so no file is yielded twice through a cycle. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqbatch/objstore.h"
#include "source_internal.h"

/* Deeper than truthound ever nests (date layout: 3, checkpoint names with '/': a few). */
#define SOURCE_MAX_DEPTH 128
/* Bound on the names of one directory (about 4 million typical result names). */
#define SOURCE_MAX_DIR_NAMES ((size_t)256 << 20)

typedef struct dir_slot {
    const char *name;
    size_t offset;      /* into dir_list.names until the list is complete */
    size_t len;         /* of the name */
    unsigned char type; /* d_type: DT_DIR, DT_REG, DT_LNK, DT_UNKNOWN, ... */
} dir_slot;

/* The names of one directory, read at once so they can be sorted. */
typedef struct dir_list {
    dq_buf names; /* NUL-separated */
    dir_slot *slots;
    size_t len;
    size_t cap;
} dir_list;

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

/* One input tree being walked. */
typedef struct tree_walk {
    source_walker *w;
    dq_buf path;      /* "<input>/<relpath>" of what is being visited */
    size_t rel_start; /* where relpath starts in path */
    char *root_real;  /* realpath of the input: what "inside the tree" means */
    size_t root_real_len;
    dir_id ancestors[SOURCE_MAX_DEPTH]; /* to refuse a directory that contains itself */
    int depth;
} tree_walk;

static dq_code walk_dir(tree_walk *t, int fd);

static const char *tree_relpath(const tree_walk *t)
{
    return t->path.data + t->rel_start;
}

static dq_code tree_error(tree_walk *t, dq_code code, const char *reason, int errnum)
{
    if (errnum)
        return source_emit_error(t->w, t->path.data, tree_relpath(t), code, "%s: %s: %s",
                                 t->path.data, reason, strerror(errnum));
    return source_emit_error(t->w, t->path.data, tree_relpath(t), code, "%s: %s", t->path.data,
                             reason);
}

/* Appends "/name" (or "name" right after the root) to the path; returns the old length
 * to give back to path_pop. */
static dq_code path_push(tree_walk *t, const char *name, size_t *old)
{
    *old = t->path.len;
    if (t->path.len > t->rel_start && dq_buf_addc(&t->path, '/') != DQ_OK)
        return DQ_ENOMEM;
    return dq_buf_adds(&t->path, name) == DQ_OK ? DQ_OK : DQ_ENOMEM;
}

static void path_pop(tree_walk *t, size_t old)
{
    t->path.len = old;
    t->path.data[old] = '\0';
}

/* Byte order of the paths the names make: a directory's name sorts as "name/", so
 * "a.json" comes before the files of directory "a" ('.' < '/'), as in a sorted list of
 * full paths. Names whose type readdir does not report sort as files. */
static int slot_byte(const dir_slot *s, size_t at)
{
    if (at < s->len)
        return (unsigned char)s->name[at];
    return s->type == DT_DIR ? '/' : 0;
}

/* The names of a store's directories share long prefixes: memcmp runs through them. */
static int compare_slots(const void *pa, const void *pb)
{
    const dir_slot *a = pa;
    const dir_slot *b = pb;
    size_t common = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, common);
    return c ? c : slot_byte(a, common) - slot_byte(b, common);
}

static void dir_list_free(dir_list *l)
{
    dq_buf_free(&l->names);
    free(l->slots);
}

static dq_code dir_list_add(dir_list *l, const struct dirent *de)
{
    dir_slot *slots = dq_array_grow(l->slots, l->len, &l->cap, sizeof *slots, 64);
    if (!slots)
        return DQ_ENOMEM;
    l->slots = slots;
    size_t offset = l->names.len, len = strlen(de->d_name);
    dq_code rc = dq_buf_add(&l->names, de->d_name, len + 1);
    if (rc)
        return rc;
    l->slots[l->len++] = (dir_slot){.offset = offset, .len = len, .type = de->d_type};
    return DQ_OK;
}

/* Reads every name of the directory (but "." and ".."), sorted. *read_errno is set when
 * readdir failed part way. */
static dq_code dir_list_read(DIR *dir, dir_list *l, int *read_errno)
{
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (!de) {
            *read_errno = errno;
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        dq_code rc = dir_list_add(l, de);
        if (rc)
            return rc;
    }
    /* Pointers only now: the names buffer moved while it grew. */
    for (size_t i = 0; i < l->len; i++)
        l->slots[i].name = l->names.data + l->slots[i].offset;
    if (l->len > 1)
        qsort(l->slots, l->len, sizeof(*l->slots), compare_slots);
    return DQ_OK;
}

/* One regular file as an entry: path and relpath name it, file is where it is read. */
static dq_code emit_regular(source_walker *w, const char *path, const char *relpath,
                            const char *file, const struct stat *st)
{
    dq_entry *e = source_entry_new(path, relpath);
    if (!e)
        return DQ_ENOMEM;
    e->file = dq_strdup(file);
    if (!e->file) {
        dq_entry_free(e);
        return DQ_ENOMEM;
    }
    e->size = st->st_size;
    e->mtime = st->st_mtime;
    source_emit(w, e);
    return DQ_OK;
}

/* Opens an archive found in the tree (dirfd/name, or an absolute path with AT_FDCWD)
 * without following a symlink, and walks it. */
static dq_code open_archive(tree_walk *t, int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return tree_error(t, DQ_EIO, "cannot open archive", errno);
    dq_code rc = source_walk_archive(t->w, fd, t->path.data);
    close(fd);
    return rc;
}

/* A regular file, found directly or through a symlink inside the tree. */
static dq_code visit_regular(tree_walk *t, int dirfd, const char *name, const char *file,
                             const struct stat *st, source_kind kind)
{
    if (kind == SOURCE_RESULT)
        return emit_regular(t->w, t->path.data, tree_relpath(t), file, st);
    if (kind == SOURCE_ARCHIVE)
        return open_archive(t, dirfd, name);
    return DQ_OK;
}

static bool inside_tree(const tree_walk *t, const char *real)
{
    if (t->root_real_len == 1) /* the root is "/" */
        return true;
    return strncmp(real, t->root_real, t->root_real_len) == 0 &&
           (real[t->root_real_len] == '/' || real[t->root_real_len] == '\0');
}

/* A symlink is resolved to its real path. One to a file whose name we would pass over
 * anyway is passed over wherever it leads. Otherwise, out of the tree: refused. A
 * directory inside the tree: passed over, because the walk reaches that directory by
 * its real path anyway; following it would yield its files twice, or forever in a
 * cycle. A file inside the tree: taken, read through its real path. */
static dq_code visit_symlink(tree_walk *t, source_kind kind)
{
    char *real = realpath(t->path.data, NULL);
    if (!real) {
        if (errno == ENOMEM)
            return DQ_ENOMEM;
        if (errno == ELOOP)
            return tree_error(t, DQ_EUNSAFE, "symlink loop, not followed", 0);
        if (errno == ENOENT && kind == SOURCE_OTHER)
            return DQ_OK; /* a dangling link we would pass over even if it resolved */
        return tree_error(t, DQ_EIO, "cannot resolve symlink", errno);
    }
    dq_code rc = DQ_OK;
    struct stat st;
    if (stat(real, &st) != 0)
        rc = tree_error(t, DQ_EIO, "cannot stat symlink target", errno);
    else if (kind == SOURCE_OTHER && !S_ISDIR(st.st_mode))
        rc = DQ_OK;
    else if (!inside_tree(t, real))
        rc = source_emit_error(t->w, t->path.data, tree_relpath(t), DQ_EUNSAFE,
                               "%s: symlink leads out of the tree (to %s), not followed",
                               t->path.data, real);
    else if (S_ISREG(st.st_mode))
        rc = visit_regular(t, AT_FDCWD, real, real, &st, kind);
    else if (!S_ISDIR(st.st_mode))
        rc = tree_error(t, DQ_EIO, "symlink to something not a regular file", 0);
    free(real);
    return rc;
}

static dq_code descend(tree_walk *t, int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return tree_error(t, DQ_EIO, "cannot open directory", errno);
    return walk_dir(t, fd);
}

static dq_code visit(tree_walk *t, int dirfd, const dir_slot *slot)
{
    source_kind kind = source_name_kind(slot->name);
    /* The common case costs no system call: a file we pass over by its name. */
    if (slot->type == DT_REG && kind == SOURCE_OTHER)
        return DQ_OK;
    size_t old;
    if (path_push(t, slot->name, &old) != DQ_OK)
        return DQ_ENOMEM;
    dq_code rc = DQ_OK;
    struct stat st;
    if (slot->type == DT_DIR)
        rc = descend(t, dirfd, slot->name);
    else if (fstatat(dirfd, slot->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (kind != SOURCE_OTHER || errno != ENOENT)
            rc = tree_error(t, DQ_EIO, "cannot stat", errno);
    } else if (S_ISDIR(st.st_mode))
        rc = descend(t, dirfd, slot->name);
    else if (S_ISLNK(st.st_mode))
        rc = visit_symlink(t, kind);
    else if (S_ISREG(st.st_mode))
        rc = visit_regular(t, dirfd, slot->name, t->path.data, &st, kind);
    else if (kind != SOURCE_OTHER)
        rc = tree_error(t, DQ_EIO, "not a regular file", 0);
    path_pop(t, old);
    return rc;
}

/* Refuses a directory already open above (a bind mount of an ancestor) and trees deeper
 * than SOURCE_MAX_DEPTH; otherwise records it as an ancestor. */
static dq_code enter_dir(tree_walk *t, int fd, bool *refused)
{
    struct stat st;
    *refused = true;
    if (fstat(fd, &st) != 0)
        return tree_error(t, DQ_EIO, "cannot stat directory", errno);
    if (t->depth == SOURCE_MAX_DEPTH)
        return tree_error(t, DQ_EUNSAFE, "directories nested too deep, not entered", 0);
    for (int i = 0; i < t->depth; i++)
        if (t->ancestors[i].dev == st.st_dev && t->ancestors[i].ino == st.st_ino)
            return tree_error(t, DQ_EUNSAFE, "directory loop, not entered", 0);
    t->ancestors[t->depth++] = (dir_id){st.st_dev, st.st_ino};
    *refused = false;
    return DQ_OK;
}

static dq_code visit_all(tree_walk *t, DIR *dir)
{
    dir_list list = {0};
    dq_buf_init(&list.names, SOURCE_MAX_DIR_NAMES);
    int read_errno = 0;
    dq_code rc = dir_list_read(dir, &list, &read_errno);
    if (rc == DQ_ETOOBIG) {
        rc = tree_error(t, DQ_ETOOBIG, "too many names in one directory, not entered", 0);
        list.len = 0;
    } else if (rc == DQ_OK && read_errno) {
        /* The names read before the failure are still walked. */
        rc = tree_error(t, DQ_EIO, "cannot read directory", read_errno);
    }
    for (size_t i = 0; rc == DQ_OK && i < list.len && !t->w->stopped; i++)
        rc = visit(t, dirfd(dir), &list.slots[i]);
    dir_list_free(&list);
    return rc;
}

/* Walks the directory open on fd (taken over and closed). */
static dq_code walk_dir(tree_walk *t, int fd)
{
    bool refused;
    dq_code rc = enter_dir(t, fd, &refused);
    if (refused) {
        close(fd);
        return rc;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        rc = tree_error(t, DQ_EIO, "cannot read directory", errno);
        close(fd);
    } else {
        rc = visit_all(t, dir);
        closedir(dir);
    }
    t->depth--;
    return rc;
}

static dq_code walk_tree(source_walker *w, const char *input, int fd)
{
    tree_walk t = {.w = w};
    /* Room for the input and SOURCE_MAX_DEPTH + 1 names of the longest kind, so only a
     * failed allocation can stop a push. */
    dq_buf_init(&t.path, PATH_MAX + (SOURCE_MAX_DEPTH + 2) * (NAME_MAX + 1));
    t.root_real = realpath(input, NULL);
    if (!t.root_real) {
        close(fd);
        return source_emit_error(w, input, ".", DQ_EIO, "%s: cannot resolve: %s", input,
                                 strerror(errno));
    }
    t.root_real_len = strlen(t.root_real);
    dq_code rc = dq_buf_adds(&t.path, input);
    if (rc == DQ_OK && !dq_str_ends_with(input, "/"))
        rc = dq_buf_addc(&t.path, '/');
    if (rc == DQ_OK) {
        t.rel_start = t.path.len;
        rc = walk_dir(&t, fd);
    } else {
        close(fd);
        rc = DQ_ENOMEM;
    }
    free(t.root_real);
    dq_buf_free(&t.path);
    return rc;
}

/* A single file named on the command line is taken whatever its name: the user chose
 * it, and decode says whether it is a stored result. */
static dq_code walk_single_file(source_walker *w, const char *input, const struct stat *st)
{
    const char *slash = strrchr(input, '/');
    return emit_regular(w, input, slash ? slash + 1 : input, input, st);
}

static dq_code walk_input(source_walker *w, const char *input)
{
    /* The input itself may be a symlink: the user named it, so it is followed. */
    int fd = open(input, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return source_emit_error(w, input, input, DQ_EIO, "%s: cannot open: %s", input,
                                 strerror(errno));
    struct stat st;
    dq_code rc;
    if (fstat(fd, &st) != 0)
        rc = source_emit_error(w, input, input, DQ_EIO, "%s: cannot stat: %s", input,
                               strerror(errno));
    else if (S_ISDIR(st.st_mode))
        return walk_tree(w, input, fd); /* takes fd */
    else if (!S_ISREG(st.st_mode))
        rc = source_emit_error(w, input, input, DQ_EIO, "%s: not a regular file nor a directory",
                               input);
    else if (dq_source_is_archive_name(input))
        rc = source_walk_archive(w, fd, input);
    else
        rc = walk_single_file(w, input, &st);
    close(fd);
    return rc;
}

static bool bucket_key_wanted(const char *key)
{
    return source_name_kind(key) == SOURCE_RESULT;
}

/* s3:// and gs:// inputs are read by the objstore module; a bucket that cannot be read
 * at all (credentials, permissions) stops the walk with its error. */
static dq_code walk_bucket(source_walker *w, const char *uri, const dq_source_opts *given,
                           dq_error *err)
{
    dq_source_opts opts = given ? *given : (dq_source_opts){0};
    opts.max_bytes = w->max_bytes;
    dq_objstore_sink sink = {
        .fn = w->fn, .ctx = w->ctx, .wanted = bucket_key_wanted, .input = w->input, .seq = &w->seq};
    dq_code rc = dq_objstore_walk(uri, &opts, &sink, err);
    w->stopped = sink.stopped;
    return rc;
}

/* A missing input is a mistake on the command line: said before any work. */
static dq_code check_input(const char *input, dq_error *err)
{
    if (dq_objstore_is_uri(input))
        return dq_objstore_check(input, err);
    struct stat st;
    if (stat(input, &st) != 0)
        return dq_fail(err, DQ_EIO, "%s: %s", input, strerror(errno));
    return DQ_OK;
}

static dq_code walk_path(source_walker *w, const char *input, dq_error *err)
{
    if (walk_input(w, input) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory while walking", input);
    return DQ_OK;
}

dq_code dq_source_walk(const char *const *inputs, int count, const dq_source_opts *opts,
                       dq_entry_fn fn, void *ctx, dq_error *err)
{
    for (int i = 0; i < count; i++) {
        dq_code rc = check_input(inputs[i], err);
        if (rc)
            return rc;
    }
    source_walker w = {
        .max_bytes = opts && opts->max_bytes ? opts->max_bytes : DQ_SOURCE_DEFAULT_MAX_BYTES,
        .fn = fn,
        .ctx = ctx,
    };
    for (int i = 0; i < count && !w.stopped; i++) {
        w.input = i;
        dq_code rc = dq_objstore_is_uri(inputs[i]) ? walk_bucket(&w, inputs[i], opts, err)
                                                   : walk_path(&w, inputs[i], err);
        if (rc)
            return rc;
    }
    return DQ_OK;
}
