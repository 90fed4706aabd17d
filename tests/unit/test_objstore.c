/* The objstore module's parts that need no server: URIs and settings, addressing,
 * percent-encoding, listing URLs, the XML reader and ListObjectsV2 pages, times,
 * truthound's doubled keys, and what an answer means. */
#include <stdlib.h>
#include <string.h>

#include "../../src/objstore/objstore_internal.h"
#include "dqtest.h"

static void set_credentials(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_S3_ADDRESSING_STYLE");
}

static char *encoded(const char *s, bool keep_slash)
{
    dq_buf b;
    dq_buf_init(&b, 4096);
    ck_assert(objstore_encode(&b, s, keep_slash) == DQ_OK);
    return dq_buf_steal(&b);
}

START_TEST(uris_are_recognised)
{
    ck_assert(dq_objstore_is_uri("s3://b/p"));
    ck_assert(dq_objstore_is_uri("gs://b"));
    ck_assert(!dq_objstore_is_uri("s3:/b/p"));
    ck_assert(!dq_objstore_is_uri("store/s3://x"));
    ck_assert(!dq_objstore_is_uri(NULL));
}
END_TEST

START_TEST(virtual_hosted_by_default_on_aws)
{
    set_credentials();
    objstore_target t;
    dq_error err = {0};
    ck_assert_msg(objstore_target_init(&t, "s3://my-bucket//dq-results/", &err) == DQ_OK, "%s",
                  err.msg);
    ck_assert_str_eq(t.bucket, "my-bucket");
    ck_assert_str_eq(t.prefix, "dq-results");
    ck_assert_str_eq(t.object_base, "https://my-bucket.s3.us-east-1.amazonaws.com");
    ck_assert_str_eq(t.list_url, "https://my-bucket.s3.us-east-1.amazonaws.com/");
    ck_assert_str_eq(t.sigv4, "aws:amz:us-east-1:s3");
    ck_assert_ptr_null(t.token_header);
    objstore_target_free(&t);
    /* A dotted bucket cannot be a TLS host name under *.amazonaws.com: path style. */
    setenv("AWS_DEFAULT_REGION", "eu-west-3", 1);
    ck_assert(objstore_target_init(&t, "s3://my.bucket", &err) == DQ_OK);
    ck_assert_str_eq(t.prefix, "");
    ck_assert_str_eq(t.object_base, "https://s3.eu-west-3.amazonaws.com/my.bucket");
    ck_assert_str_eq(t.sigv4, "aws:amz:eu-west-3:s3");
    objstore_target_free(&t);
}
END_TEST

START_TEST(endpoint_region_token_and_style_from_the_environment)
{
    set_credentials();
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
    setenv("AWS_REGION", "ap-south-1", 1);
    setenv("AWS_DEFAULT_REGION", "eu-west-3", 1); /* AWS_REGION wins */
    setenv("AWS_SESSION_TOKEN", "tok+en/=", 1);
    objstore_target t;
    dq_error err = {0};
    ck_assert(objstore_target_init(&t, "s3://bkt/a/b", &err) == DQ_OK);
    ck_assert_str_eq(t.object_base, "http://127.0.0.1:9000/bkt");
    ck_assert_str_eq(t.list_url, "http://127.0.0.1:9000/bkt");
    ck_assert_str_eq(t.sigv4, "aws:amz:ap-south-1:s3");
    ck_assert_str_eq(t.token_header, "x-amz-security-token: tok+en/=");
    objstore_target_free(&t);
    setenv("AWS_S3_ADDRESSING_STYLE", "virtual", 1);
    ck_assert(objstore_target_init(&t, "s3://bkt/a/b", &err) == DQ_OK);
    ck_assert_str_eq(t.object_base, "http://bkt.127.0.0.1:9000");
    objstore_target_free(&t);
    setenv("AWS_S3_ADDRESSING_STYLE", "sideways", 1);
    ck_assert_int_eq(objstore_target_init(&t, "s3://bkt/a/b", &err), DQ_ECONFIG);
    ck_assert_msg(strstr(err.msg, "AWS_S3_ADDRESSING_STYLE"), "%s", err.msg);
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    setenv("AWS_ENDPOINT_URL", "ftp://x", 1);
    ck_assert_int_eq(objstore_target_init(&t, "s3://bkt", &err), DQ_ECONFIG);
    ck_assert_msg(strstr(err.msg, "AWS_ENDPOINT_URL"), "%s", err.msg);
}
END_TEST

START_TEST(cloud_storage_uses_its_endpoint)
{
    set_credentials();
    objstore_target t;
    dq_error err = {0};
    ck_assert(objstore_target_init(&t, "gs://dq_store/runs", &err) == DQ_OK);
    ck_assert_str_eq(t.object_base, "https://dq_store.storage.googleapis.com");
    ck_assert_str_eq(t.sigv4, "aws:amz:auto:s3");
    char *name = objstore_target_name(&t, "runs/x.json");
    ck_assert_str_eq(name, "gs://dq_store/runs/x.json");
    free(name);
    objstore_target_free(&t);
    setenv("AWS_S3_ADDRESSING_STYLE", "path", 1);
    ck_assert(objstore_target_init(&t, "gs://dq_store/runs", &err) == DQ_OK);
    ck_assert_str_eq(t.object_base, "https://storage.googleapis.com/dq_store");
    objstore_target_free(&t);
}
END_TEST

START_TEST(bad_uris_and_missing_credentials_are_named)
{
    set_credentials();
    dq_error err = {0};
    ck_assert_int_eq(dq_objstore_check("s3://Bad_Bucket!/p", &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.msg, "s3://Bad_Bucket!/p") && strstr(err.msg, "bucket name"), "%s",
                  err.msg);
    ck_assert_int_eq(dq_objstore_check("s3://", &err), DQ_EUSAGE);
    ck_assert_int_eq(dq_objstore_check("s3://ab", &err), DQ_EUSAGE);
    ck_assert_int_eq(dq_objstore_check("s3://b@evil.example/p", &err), DQ_EUSAGE);
    ck_assert_int_eq(dq_objstore_check("s3://good-bucket/p", &err), DQ_OK);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ck_assert_int_eq(dq_objstore_check("s3://good-bucket/p", &err), DQ_ECONFIG);
    ck_assert_msg(strstr(err.msg, "s3://good-bucket") && strstr(err.msg, "AWS_SECRET_ACCESS_KEY"),
                  "%s", err.msg);
    set_credentials();
    setenv("AWS_SESSION_TOKEN", "a\r\nX-Evil: 1", 1);
    ck_assert_int_eq(dq_objstore_check("s3://good-bucket/p", &err), DQ_ECONFIG);
    ck_assert(strstr(err.msg, "X-Evil") == NULL);
}
END_TEST

START_TEST(percent_encoding_follows_rfc_3986)
{
    char *s = encoded("a b+c=d/é~_.-x", true);
    ck_assert_str_eq(s, "a%20b%2Bc%3Dd/%C3%A9~_.-x");
    free(s);
    s = encoded("a b/c", false);
    ck_assert_str_eq(s, "a%20b%2Fc");
    free(s);
    s = encoded("%25&?#", true);
    ck_assert_str_eq(s, "%2525%26%3F%23");
    free(s);
}
END_TEST

START_TEST(listing_query_is_sorted_and_encoded)
{
    set_credentials();
    setenv("AWS_ENDPOINT_URL", "http://h:1", 1);
    objstore_target t;
    ck_assert(objstore_target_init(&t, "s3://bkt", NULL) == DQ_OK);
    char *url = objstore_list_url(&t, "dq results/", NULL, 0);
    ck_assert_str_eq(url, "http://h:1/bkt?list-type=2&prefix=dq%20results%2F");
    free(url);
    url = objstore_list_url(&t, "p/", "1/+tok=", 1);
    ck_assert_str_eq(url, "http://h:1/bkt?continuation-token=1%2F%2Btok%3D&list-type=2&max-keys=1"
                          "&prefix=p%2F");
    free(url);
    objstore_target_free(&t);
}
END_TEST

static const char page_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>p/</Prefix><KeyCount>3</KeyCount>"
    "<IsTruncated>true</IsTruncated>"
    "<NextContinuationToken>tok&amp;en/=</NextContinuationToken>"
    "<!-- a comment <Contents> -->"
    "<Contents><Key>p/a &amp; b &lt;c&gt; &#233;&#x20AC;&quot;&apos;.json</Key>"
    "<LastModified>2024-01-15T12:30:45.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key><![CDATA[p/cdata <raw>.json]]></Key><Size>0</Size>"
    "<ETag>\"e-2\"</ETag><LastModified>1970-01-01T00:00:00Z</LastModified></Contents>"
    "<Contents><Key>p/no-size.json</Key></Contents>"
    "<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes>"
    "</ListBucketResult>";

START_TEST(listing_pages_are_parsed)
{
    objstore_page page;
    dq_error err = {0};
    ck_assert_msg(objstore_page_parse(page_xml, strlen(page_xml), "s3://b", &page, &err) == DQ_OK,
                  "%s", err.msg);
    ck_assert(page.truncated);
    ck_assert_str_eq(page.next_token, "tok&en/=");
    ck_assert_uint_eq(page.len, 2); /* the object without a size is left out */
    ck_assert_str_eq(page.items[0].key, "p/a & b <c> \xc3\xa9\xe2\x82\xac\"'.json");
    ck_assert_str_eq(page.items[0].etag, "9b2cf535f27731c974343645a3985328");
    ck_assert_int_eq(page.items[0].size, 1234);
    ck_assert_int_eq(page.items[0].mtime, 1705321845);
    ck_assert_str_eq(page.items[1].key, "p/cdata <raw>.json");
    ck_assert_str_eq(page.items[1].etag, "e-2");
    ck_assert_int_eq(page.items[1].size, 0);
    objstore_page_free(&page);
}
END_TEST

static dq_code count_elements(const char *parent, const char *name, const char *text, void *ctx)
{
    (void)parent;
    (void)name;
    (void)text;
    (*(int *)ctx)++;
    return DQ_OK;
}

START_TEST(malformed_xml_is_an_error_naming_the_source)
{
    const char *bad[] = {
        "",
        "just text",
        "<a><b></a>",
        "<a>",
        "<a>&bogus;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&amp</a>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a><![CDATA[x</a>",
        "<a><!-- x</a>",
        "<a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p><q>x</q></p></o></n></m></l></k></j>"
        "</i></h></g></f></e></d></c></b></a>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        dq_error err = {0};
        int n = 0;
        ck_assert_msg(objstore_xml_parse(bad[i], strlen(bad[i]), "s3://b", count_elements, &n,
                                         &err) == DQ_EFORMAT,
                      "accepted: %s", bad[i]);
        ck_assert_msg(strstr(err.msg, "s3://b: malformed XML"), "%s", err.msg);
    }
    objstore_page page;
    dq_error err = {0};
    const char *no_token = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
    ck_assert_int_eq(objstore_page_parse(no_token, strlen(no_token), "s3://b", &page, &err),
                     DQ_EFORMAT);
    ck_assert_msg(strstr(err.msg, "continuation token"), "%s", err.msg);
}
END_TEST

START_TEST(times_are_utc_seconds)
{
    int64_t t = -1;
    ck_assert(objstore_parse_time("2024-03-05T10:00:00.000Z", &t) == DQ_OK);
    ck_assert_int_eq(t, 1709632800);
    ck_assert(objstore_parse_time("2024-03-05T10:00:00Z", &t) == DQ_OK);
    ck_assert_int_eq(t, 1709632800);
    ck_assert_int_eq(objstore_parse_time("yesterday", &t), DQ_EFORMAT);
    ck_assert_int_eq(objstore_parse_time("2024-13-05T10:00:00Z", &t), DQ_EFORMAT);
}
END_TEST

static void expect_relpath(const char *prefix, const char *key, const char *want)
{
    char *got = objstore_relpath(prefix, key);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(got, want) == 0, "%s under '%s': got %s, want %s", key, prefix, got, want);
    free(got);
}

START_TEST(truthound_doubled_keys_give_the_meant_path)
{
    expect_relpath("dq-results/", "dq-results/2024/01/15/r.json", "2024/01/15/r.json");
    expect_relpath("dq-results/", "dq-results/s3:/my-bucket/dq-results/2024/01/15/r.json",
                   "2024/01/15/r.json");
    expect_relpath("dq/", "dq/gs:/b/dq/by_status/failure/r.json", "by_status/failure/r.json");
    expect_relpath("", "dq-results/s3:/my-bucket/dq-results/2024/01/15/r.json",
                   "dq-results/2024/01/15/r.json");
    expect_relpath("", "s3:/my-bucket/x/r.json", "x/r.json");
    /* The meant key outside the listed prefix: the key below the prefix. */
    expect_relpath("a/", "a/s3:/b/other/r.json", "s3:/b/other/r.json");
    /* Not the pattern: a segment merely containing "s3:". */
    expect_relpath("", "xs3:/b/r.json", "xs3:/b/r.json");
    expect_relpath("", "s3://b/r.json", "s3://b/r.json");
}
END_TEST

START_TEST(unusable_relative_paths_are_unsafe)
{
    ck_assert(objstore_relpath_safe("2024/01/15/r.json"));
    ck_assert(objstore_relpath_safe("a..b/.r.json"));
    ck_assert(objstore_relpath_safe("a//b.json"));
    ck_assert(!objstore_relpath_safe("/etc/r.json"));
    ck_assert(!objstore_relpath_safe("a/../../r.json"));
    ck_assert(!objstore_relpath_safe(".."));
    ck_assert(!objstore_relpath_safe("a/./r.json"));
    ck_assert(!objstore_relpath_safe("a/.."));
}
END_TEST

START_TEST(answers_are_classified)
{
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 200), OBJSTORE_DONE);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 204), OBJSTORE_DONE);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 404), OBJSTORE_MISSING);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 403), OBJSTORE_DENIED);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 401), OBJSTORE_DENIED);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 503), OBJSTORE_RETRY);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 500), OBJSTORE_RETRY);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 429), OBJSTORE_RETRY);
    ck_assert_int_eq(objstore_outcome_of(CURLE_OK, 400), OBJSTORE_FAILED);
    ck_assert_int_eq(objstore_outcome_of(CURLE_COULDNT_CONNECT, 0), OBJSTORE_RETRY);
    ck_assert_int_eq(objstore_outcome_of(CURLE_WRITE_ERROR, 200), OBJSTORE_FAILED);
    /* Backoff doubles and is bounded. */
    ck_assert_int_eq(objstore_backoff_ms(1), 100);
    ck_assert_int_eq(objstore_backoff_ms(2), 200);
    ck_assert_int_eq(objstore_backoff_ms(4), 800);
    ck_assert_int_eq(objstore_backoff_ms(40), 3200);
}
END_TEST

/* A server that echoes a credential in its message does not get it printed. */
START_TEST(messages_never_show_credentials)
{
    set_credentials();
    objstore_target t;
    ck_assert(objstore_target_init(&t, "s3://bkt/p", NULL) == DQ_OK);
    objstore_request r = {0};
    dq_buf_init(&r.body, 4096);
    dq_buf_adds(&r.body, "<Error><Code>InvalidAccessKeyId</Code><Message>key AKIDEXAMPLE with "
                         "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY</Message></Error>");
    dq_error err = {0};
    ck_assert_int_eq(objstore_describe(&r, &t, CURLE_OK, 403, "s3://bkt", &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "s3://bkt: access denied"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "InvalidAccessKeyId: key *** with ***"), "%s", err.msg);
    dq_buf_free(&r.body);
    objstore_target_free(&t);
}
END_TEST

static Suite *objstore_suite(void)
{
    Suite *s = suite_create("objstore");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, uris_are_recognised);
    tcase_add_test(tc, virtual_hosted_by_default_on_aws);
    tcase_add_test(tc, endpoint_region_token_and_style_from_the_environment);
    tcase_add_test(tc, cloud_storage_uses_its_endpoint);
    tcase_add_test(tc, bad_uris_and_missing_credentials_are_named);
    tcase_add_test(tc, percent_encoding_follows_rfc_3986);
    tcase_add_test(tc, listing_query_is_sorted_and_encoded);
    tcase_add_test(tc, listing_pages_are_parsed);
    tcase_add_test(tc, malformed_xml_is_an_error_naming_the_source);
    tcase_add_test(tc, times_are_utc_seconds);
    tcase_add_test(tc, truthound_doubled_keys_give_the_meant_path);
    tcase_add_test(tc, unusable_relative_paths_are_unsafe);
    tcase_add_test(tc, answers_are_classified);
    tcase_add_test(tc, messages_never_show_credentials);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(objstore_suite());
}
