/* Inline SVG charts, drawn in C so a page reads without JavaScript. Colours come from
 * CSS classes, so the light and dark themes both apply; every mark has a <title>, which
 * browsers show as a tooltip. Runs are spaced evenly, oldest on the left. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_internal.h"

#define CHART_W 720.0
#define CHART_H 200.0
#define PAD_LEFT 44.0
#define PAD_RIGHT 12.0
#define PAD_TOP 12.0
#define PAD_BOTTOM 26.0

typedef struct chart_frame {
    double x0, x1, y0, y1; /* plot area: x0 left, y0 top */
    size_t n;
} chart_frame;

/* fmax without libm, which the module does not otherwise need. */
static double larger(double a, double b)
{
    return a > b ? a : b;
}

static chart_frame frame_make(size_t n)
{
    chart_frame f = {PAD_LEFT, CHART_W - PAD_RIGHT, PAD_TOP, CHART_H - PAD_BOTTOM, n};
    return f;
}

/* Centre of slot i of n across the plot. */
static double frame_x(const chart_frame *f, size_t i)
{
    double slot = (f->x1 - f->x0) / (double)(f->n ? f->n : 1);
    return f->x0 + slot * ((double)i + 0.5);
}

static double frame_y(const chart_frame *f, double value, double max)
{
    return f->y1 - (f->y1 - f->y0) * (max > 0 ? value / max : 0);
}

static void svg_open(dq_docs_out *o, const char *cls, const char *label, double w, double h)
{
    docs_out_printf(o,
                    "<svg class=\"chart %s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                    "aria-label=\"%s\" preserveAspectRatio=\"xMidYMid meet\">",
                    cls, w, h, label);
}

/* The run a mark stands for, as tooltip text. */
static void svg_title_run(dq_docs_out *o, const dq_docs_run *run, const char *what)
{
    docs_out_str(o, "<title>");
    docs_out_time(o, run->run_time);
    docs_out_str(o, " · ");
    docs_out_str(o, dq_status_name(run->status));
    if (what) {
        docs_out_str(o, " · ");
        docs_out_html(o, what);
    }
    docs_out_str(o, "</title>");
}

static void svg_y_grid(dq_docs_out *o, const chart_frame *f, double max, int steps,
                       const char *suffix)
{
    for (int i = 0; i <= steps; i++) {
        double value = max * i / steps;
        double y = frame_y(f, value, max);
        docs_out_printf(o, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                        f->x0, y, f->x1, y);
        docs_out_printf(
            o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f%s</text>",
            f->x0 - 6, y + 4, value, suffix);
    }
}

/* Dates of the first and last run under the x axis. */
static void svg_x_labels(dq_docs_out *o, const chart_frame *f, const dq_docs_run *const *runs,
                         size_t n)
{
    if (n == 0)
        return;
    char text[32];
    dq_time_format(runs[0]->run_time, "%Y-%m-%d", text, sizeof(text));
    docs_out_printf(o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">%s</text>", f->x0, CHART_H - 8,
                    text);
    if (n > 1) {
        dq_time_format(runs[n - 1]->run_time, "%Y-%m-%d", text, sizeof(text));
        docs_out_printf(o,
                        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                        f->x1, CHART_H - 8, text);
    }
}

static void svg_empty(dq_docs_out *o, const chart_frame *f)
{
    docs_out_printf(
        o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no runs</text>",
        (f->x0 + f->x1) / 2, (f->y0 + f->y1) / 2);
}

static bool run_has_stats(const dq_docs_run *run)
{
    return run->stats.origin != DQ_STATS_NONE;
}

/* The pass-rate line, broken where a run has no statistics (an error run). */
static void svg_pass_line(dq_docs_out *o, const chart_frame *f, const dq_docs_run *const *runs,
                          size_t n, const char *cls)
{
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        if (!run_has_stats(runs[i])) {
            if (open)
                docs_out_str(o, "\"/>");
            open = false;
            continue;
        }
        docs_out_str(o, open ? " " : "<polyline class=\"");
        if (!open) {
            docs_out_str(o, cls);
            docs_out_str(o, "\" points=\"");
        }
        docs_out_printf(o, "%.1f,%.1f", frame_x(f, i),
                        frame_y(f, runs[i]->stats.pass_rate * 100.0, 100.0));
        open = true;
    }
    if (open)
        docs_out_str(o, "\"/>");
}

void docs_svg_pass_rate(dq_docs_out *o, const dq_docs_run *const *runs, size_t n)
{
    chart_frame f = frame_make(n);
    svg_open(o, "chart-pass", "Pass rate of each run, oldest first", CHART_W, CHART_H);
    svg_y_grid(o, &f, 100.0, 4, "%");
    if (n == 0)
        svg_empty(o, &f);
    svg_pass_line(o, &f, runs, n, "line");
    double radius = n > 200 ? 1.5 : n > 60 ? 2.5 : 3.5;
    for (size_t i = 0; i < n; i++) {
        const dq_docs_run *run = runs[i];
        char what[64] = "no statistics";
        double y = f.y1;
        if (run_has_stats(run)) {
            snprintf(what, sizeof(what), "pass rate %.1f%%", run->stats.pass_rate * 100.0);
            y = frame_y(&f, run->stats.pass_rate * 100.0, 100.0);
        }
        docs_out_printf(o, "<circle class=\"pt st-%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\">",
                        dq_status_name(run->status), frame_x(&f, i), y, radius);
        svg_title_run(o, run, what);
        docs_out_str(o, "</circle>");
    }
    svg_x_labels(o, &f, runs, n);
    docs_out_str(o, "</svg>");
}

/* The top of the issue axis: four equal steps of 1, 2 or 5 times a power of ten, so
 * every gridline falls on a whole number. */
static double axis_max(double max)
{
    double step = 1;
    while (step * 4 < max) {
        if (step * 2 * 4 >= max)
            return step * 2 * 4;
        if (step * 5 * 4 >= max)
            return step * 5 * 4;
        step *= 10;
    }
    return step * 4;
}

void docs_svg_issues(dq_docs_out *o, const dq_docs_run *const *runs, size_t n)
{
    static const char *const severity[4] = {"critical", "high", "medium", "low"};
    chart_frame f = frame_make(n);
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = larger(max, (double)runs[i]->stats.total_issues);
    max = axis_max(max);
    svg_open(o, "chart-issues", "Issues of each run by severity, oldest first", CHART_W, CHART_H);
    svg_y_grid(o, &f, max, 4, "");
    if (n == 0)
        svg_empty(o, &f);
    double slot = (f.x1 - f.x0) / (double)(n ? n : 1);
    double width = larger(slot * 0.7, 1.0);
    for (size_t i = 0; i < n; i++) {
        const dq_stats *st = &runs[i]->stats;
        int64_t counts[4] = {st->critical_issues, st->high_issues, st->medium_issues,
                             st->low_issues};
        /* Issues without a known severity still count in the bar's height. */
        int64_t other = st->total_issues - counts[0] - counts[1] - counts[2] - counts[3];
        char what[160];
        snprintf(what, sizeof(what), "%lld issues: %lld critical, %lld high, %lld medium, %lld low",
                 (long long)st->total_issues, (long long)counts[0], (long long)counts[1],
                 (long long)counts[2], (long long)counts[3]);
        docs_out_printf(o, "<g class=\"bar\">");
        svg_title_run(o, runs[i], what);
        double base = 0;
        for (int s = 0; s < 5; s++) {
            double value = s < 4 ? (double)counts[s] : (double)(other > 0 ? other : 0);
            if (value <= 0)
                continue;
            double top = frame_y(&f, base + value, max), bottom = frame_y(&f, base, max);
            docs_out_printf(o,
                            "<rect class=\"sev-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                            "height=\"%.1f\"/>",
                            s < 4 ? severity[s] : "other", frame_x(&f, i) - width / 2, top, width,
                            bottom - top);
            base += value;
        }
        if (!run_has_stats(runs[i]))
            docs_out_printf(o,
                            "<rect class=\"st-error\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                            "height=\"3\"/>",
                            frame_x(&f, i) - width / 2, f.y1 - 3, width);
        docs_out_str(o, "</g>");
    }
    svg_x_labels(o, &f, runs, n);
    docs_out_str(o, "</svg>");
}

void docs_svg_timeline(dq_docs_out *o, const dq_docs_run *const *runs, size_t n,
                       const char *run_link_prefix, const char *ext)
{
    double w = CHART_W, h = 34;
    svg_open(o, "chart-timeline", "Status of each run, oldest first", w, h);
    double slot = (w - 2) / (double)(n ? n : 1);
    double gap = slot > 6 ? 1.5 : 0;
    for (size_t i = 0; i < n; i++) {
        const dq_docs_run *run = runs[i];
        bool link = run_link_prefix != NULL;
        if (link) {
            char *slug = dq_docs_slug(run->run_id);
            docs_out_str(o, "<a href=\"");
            docs_out_html(o, run_link_prefix);
            docs_out_html(o, slug);
            docs_out_printf(o, ".%s\">", ext);
            free(slug);
        }
        docs_out_printf(o,
                        "<rect class=\"st-%s\" x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"30\" "
                        "rx=\"2\">",
                        dq_status_name(run->status), 1 + slot * (double)i, larger(slot - gap, 0.5));
        svg_title_run(o, run, run->run_id);
        docs_out_str(o, "</rect>");
        if (link)
            docs_out_str(o, "</a>");
    }
    docs_out_str(o, "</svg>");
}

void docs_svg_sparkline(dq_docs_out *o, const dq_docs_run *const *runs, size_t n)
{
    double w = 120, h = 30;
    docs_out_printf(o,
                    "<svg class=\"spark\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                    "aria-label=\"Pass rate of the last %zu runs\">",
                    w, h, n);
    chart_frame f = {2, w - 2, 3, h - 3, n};
    svg_pass_line(o, &f, runs, n, "line");
    if (n) {
        const dq_docs_run *last = runs[n - 1];
        double y = run_has_stats(last) ? frame_y(&f, last->stats.pass_rate * 100.0, 100.0) : f.y1;
        docs_out_printf(o, "<circle class=\"pt st-%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>",
                        dq_status_name(last->status), frame_x(&f, n - 1), y);
    }
    docs_out_str(o, "</svg>");
}
