/* job: what `dqbatch run JOB.yaml` does in one pass, read from a YAML or JSON file:
 *
 *   stores: [/var/truthound/store, old.tar.gz, s3://bucket/prefix]
 *   selection: {since: 24h, until: ..., checkpoints: [...], statuses: [failure, error],
 *               assets: [...]}          # which results get the actions
 *   docs: {site: /srv/docs, history: 100, page_size: 100, base_url: https://...,
 *          site_name: ..., format: html, select: {...}}   # docs cover every result
 *   actions: [ ... ]                     # dqbatch's own list, or
 *   actions: checkpoints.yaml            # a config or truthound checkpoint YAML
 *   digest: false
 *   max_in_flight: 64
 *   journal: /var/lib/dqbatch/journal
 *   report: /var/log/dqbatch/report.json
 *   jobs: 4
 *   max_result_bytes: 268435456
 *
 * ${VAR} and ${VAR:-default} are taken from the environment in every string. Every
 * problem is reported as "file:line: key: what" before anything is read or sent. */
#ifndef DQBATCH_JOB_H
#define DQBATCH_JOB_H

#include "dqbatch/config.h"
#include "dqbatch/select.h"

typedef struct dq_job_docs {
    char *site;       /* NULL: the job builds no docs */
    char *format;     /* "html" (default), "markdown", "md" or "json" */
    int history;      /* 0: the docs default */
    int page_size;    /* 0: the docs default */
    char *base_url;   /* or NULL */
    char *site_name;  /* or NULL */
    dq_filter select; /* narrows the results the site shows; empty: all of them */
} dq_job_docs;

typedef struct dq_job_file {
    char *path;
    dq_strlist stores;
    dq_filter select; /* which results get the actions */
    dq_job_docs docs;
    bool has_actions;
    char *actions_file; /* actions: PATH (resolved against the job file's folder), or NULL */
    dq_config actions;  /* the actions, inline or loaded from actions_file */
    bool digest;
    int max_in_flight;       /* 0: the dispatcher's default */
    char *journal;           /* or NULL */
    char *report;            /* or NULL */
    int jobs;                /* 0: one per core */
    size_t max_result_bytes; /* 0: the default */
} dq_job_file;

/* Reads and checks a job file. Every problem found is added to problems (when not NULL)
 * as "file:line: key: what"; the return is DQ_ECONFIG when there was any. A job needs
 * at least one store, and docs or actions (or both). */
dq_code dq_job_file_load(const char *path, dq_job_file *out, dq_strlist *problems, dq_error *err);
dq_code dq_job_file_parse(const char *name, const char *text, size_t len, dq_job_file *out,
                          dq_strlist *problems, dq_error *err);
void dq_job_file_free(dq_job_file *job);

/* Whether a parsed YAML/JSON file looks like a job (it has stores:), for check-config,
 * which takes action configs and job files alike. */
bool dq_job_file_detect(const char *name, const char *text, size_t len);

#endif
