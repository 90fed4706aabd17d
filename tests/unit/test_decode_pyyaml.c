/* Differential test against PyYAML itself: random documents built from tokens that hit
 * scalar resolution, anchors, aliases, merge keys, tags and flow/block structure are read
 * by dq_yaml_parse and by Debian's PyYAML (yaml.safe_load, then json.dumps); both must
 * accept the same documents and give the same tree. Documents whose Python value JSON
 * cannot carry exactly (infinities, NaN, float keys) are left out. Needs /usr/bin/python3
 * with the yaml module (Debian's python3-yaml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode_support.h"
#include "dqtest.h"

#define DOCS 6000

static const char *const tokens[] = {
    "a: ",  "b: ",   "<<: ", "&x ",    "&y ",     "*x",      "*y",    "{",      "}",
    "[",    "]",     ", ",   "\n",     "\n  ",    "- ",      "1",     "k: ",    "'<<': ",
    "&z ",  "*z",    "yes",  "0x1F",   "1.5",     "~",       "-.5",   "017",    "1:30",
    "c: ",  "\"q\"", "2: ",  "null: ", "on: ",    "!!int 3", "09",    "1.0e+5", "1e5",
    "0b11", "+12",   "Off",  "NULL",   "!!str 7", "'x'",     "1_000", "2.5e-3", "? ",
};

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static char *random_doc(uint64_t *rng)
{
    dq_buf b;
    dq_buf_init(&b, 4096);
    int n = 1 + (int)(next_random(rng) % 20);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(
            dq_buf_adds(&b, tokens[next_random(rng) % (sizeof(tokens) / sizeof(*tokens))]), DQ_OK);
    return dq_buf_steal(&b);
}

/* One JSON line per document: what PyYAML makes of it, "ERR" or "SKIP". */
static const char *const oracle =
    "import json, math, sys, yaml\n"
    "def exact(v):\n"
    "    if isinstance(v, float): return math.isfinite(v)\n"
    "    if isinstance(v, list): return all(exact(x) for x in v)\n"
    "    if isinstance(v, dict):\n"
    "        return all(not isinstance(k, float) and exact(x) for k, x in v.items())\n"
    "    return True\n"
    "for line in open(sys.argv[1]):\n"
    "    try:\n"
    "        v = yaml.safe_load(json.loads(line))\n"
    "    except Exception:\n"
    "        print('ERR'); continue\n"
    "    try:\n"
    "        print(json.dumps(v) if exact(v) else 'SKIP')\n"
    "    except Exception:\n"
    "        print('SKIP')\n";

/* Python's dict keeps the last value of a key; the tree keeps every pair. */
static void keep_last(cJSON *node)
{
    for (cJSON *child = node ? node->child : NULL; child; child = child->next)
        keep_last(child);
    if (!cJSON_IsObject(node))
        return;
    cJSON *child = node->child;
    while (child) {
        cJSON *next = child->next;
        if (dq_json_member(node, child->string) != child)
            cJSON_Delete(cJSON_DetachItemViaPointer(node, child));
        child = next;
    }
}

START_TEST(same_as_pyyaml)
{
    ck_assert_msg(access("/usr/bin/python3", X_OK) == 0, "needs /usr/bin/python3");
    char *dir = dqtest_tmpdir();
    char *docs_path = dq_asprintf("%s/docs.jsonl", dir);
    char *script_path = dq_asprintf("%s/oracle.py", dir);
    FILE *docs_file = fopen(docs_path, "w");
    ck_assert_ptr_nonnull(docs_file);
    char *docs[DOCS];
    uint64_t rng = 0x2545F4914F6CDD1DULL;
    for (int i = 0; i < DOCS; i++) {
        docs[i] = random_doc(&rng);
        cJSON *line = cJSON_CreateString(docs[i]);
        char *text = cJSON_PrintUnformatted(line);
        fprintf(docs_file, "%s\n", text);
        cJSON_free(text);
        cJSON_Delete(line);
    }
    fclose(docs_file);
    dqtest_write(dir, "oracle.py", oracle, strlen(oracle));
    char *command = dq_asprintf("/usr/bin/python3 %s %s", script_path, docs_path);
    FILE *answers = popen(command, "r");
    ck_assert_ptr_nonnull(answers);
    static char answer[1 << 16];
    int compared = 0, refused = 0;
    for (int i = 0; i < DOCS; i++) {
        ck_assert_msg(fgets(answer, sizeof(answer), answers) != NULL,
                      "PyYAML gave no answer (is python3-yaml installed?)");
        answer[strcspn(answer, "\n")] = '\0';
        dq_error err = {0};
        cJSON *ours = dq_yaml_parse(docs[i], strlen(docs[i]), 100000, &err, "random.yaml");
        if (strcmp(answer, "SKIP") == 0) {
            cJSON_Delete(ours);
            continue;
        }
        if (strcmp(answer, "ERR") == 0) {
            ck_assert_msg(ours == NULL, "PyYAML refuses, dqbatch reads: %s", docs[i]);
            refused++;
            continue;
        }
        ck_assert_msg(ours != NULL, "PyYAML reads %s, dqbatch refuses: %s (%s)", answer, docs[i],
                      err.msg);
        cJSON *want = cJSON_Parse(answer);
        ck_assert_ptr_nonnull(want);
        keep_last(ours);
        ck_assert_msg(cJSON_Compare(ours, want, true), "%s: PyYAML %s", docs[i], answer);
        compared++;
        cJSON_Delete(want);
        cJSON_Delete(ours);
    }
    ck_assert_int_eq(pclose(answers), 0);
    /* Both outcomes must be common, or the documents test little. */
    ck_assert_int_gt(compared, DOCS / 20);
    ck_assert_int_gt(refused, DOCS / 20);
    for (int i = 0; i < DOCS; i++)
        free(docs[i]);
    free(command);
    free(script_path);
    free(docs_path);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode_pyyaml");
    TCase *tc = tcase_create("pyyaml");
    tcase_add_test(tc, same_as_pyyaml);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
