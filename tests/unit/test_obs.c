/* Observations and scores (sim/obs.c, sim/score.c): the CSV reader (quoting,
 * comments, every error with its line and column), the transforms against
 * values worked out by hand on a small synthetic series, the CRPS against
 * closed forms, and the PIT and central intervals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "internal.h"

static char dir[64];
static const char *const actors[] = {"RUS", "IRN", "CHN"};
#define HEADER "quantity,actor,target,date,value,sd,transform,source,published\n"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    fputs(text, fp);
    fclose(fp);
}

static ps_status load_text(const char *text, const char *cutoff, ps_obs_set **s, ps_error *err)
{
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    write_file(path, text);
    const char *paths[] = {path};
    ps_obs_options o = {actors, 3, cutoff, 0};
    return ps_obs_load(paths, 1, &o, s, err);
}

/* rows (after the header) must fail with "t.csv:<where>" in the message */
static void expect_error(const char *rows, const char *where, const char *words)
{
    char text[2048];
    snprintf(text, sizeof text, HEADER "%s", rows);
    ps_obs_set *s = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = load_text(text, NULL, &s, &err);
    char want[128];
    snprintf(want, sizeof want, "t.csv:%s", where);
    CHECK(st == PS_ERR_INPUT && s == NULL, "status %d for rows: %s", st, rows);
    CHECK(strstr(err.msg, want) != NULL, "message lacks '%s': %s", want, err.msg);
    CHECK(strstr(err.msg, words) != NULL, "message lacks '%s': %s", words, err.msg);
    ps_obs_free(s);
}

static void test_parser(void)
{
    /* quoting (commas, "" escapes, a line break inside quotes), comments, blank
     * lines, CRLF, a byte order mark, spaces around unquoted fields */
    const char *text =
        "\xEF\xBB\xBF# observations\r\n"
        HEADER
        "\n"
        "# a comment, with \"quotes\" and commas\n"
        "gdp,RUS,,2022-03,1.8e12,1e11,,\"World Bank, WDI \"\"GDP\"\"\",2022-07-01\r\n"
        "oil_trade,RUS,CHN,2021,0.25,0.05,share,\"Kpler\nline two\",2022-07-20\n"
        "  oil_price , RUS ,,2021,70.5,2,growth,EIA,2022-01-15\n";
    ps_obs_set *s = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = load_text(text, NULL, &s, &err);
    CHECK(st == PS_OK, "load: %s", err.msg);
    if (st != PS_OK)
        return;
    CHECK(s->n == 3, "%d rows", s->n);
    CHECK(s->obs[0].field == ps_field_index("gdp") && s->obs[0].actor == 0 &&
          s->obs[0].target == -1, "row 1 variable");
    CHECK(s->obs[0].value == 1.8e12 && s->obs[0].sd == 1e11, "row 1 numbers");
    CHECK(!strcmp(s->obs[0].source, "World Bank, WDI \"GDP\""), "source '%s'", s->obs[0].source);
    CHECK(s->obs[0].line == 5 && !s->obs[0].annual && s->obs[0].date.year == 2022 &&
          s->obs[0].date.month == 3, "row 1 line %d", s->obs[0].line);
    CHECK(s->obs[1].target == 2 && s->obs[1].annual && s->obs[1].transform == PS_OBS_SHARE,
          "row 2 dyad, annual, share");
    CHECK(!strcmp(s->obs[1].source, "Kpler\nline two") && s->obs[1].line == 6,
          "row 2 source '%s' line %d", s->obs[1].source, s->obs[1].line);
    CHECK(s->obs[2].line == 8 && s->obs[2].transform == PS_OBS_GROWTH &&
          s->obs[2].value == 70.5, "row 3 after a quoted line break: line %d", s->obs[2].line);
    char label[128];
    ps_obs_label(s, &s->obs[1], label, sizeof label);
    CHECK(!strcmp(label, "oil_trade RUS->CHN 2021 share"), "label '%s'", label);
    ps_obs_free(s);

    /* the cutoff: default 2022-07-22, another one, or none */
    const char *late = HEADER "gdp,RUS,,2022-12,2e12,1e11,,IMF,2023-04-01\n";
    CHECK(load_text(late, NULL, &s, &err) == PS_ERR_INPUT &&
          strstr(err.msg, "t.csv:2:33: published 2023-04-01, after the information cutoff "
                 "2022-07-22"), "late row: %s", err.msg);
    CHECK(load_text(late, "2023-06-30", &s, &err) == PS_OK, "cutoff 2023-06-30: %s", err.msg);
    ps_obs_free(s);
    CHECK(load_text(late, "none", &s, &err) == PS_OK, "no cutoff: %s", err.msg);
    ps_obs_free(s);
    CHECK(load_text(late, "2023-02", &s, &err) == PS_ERR_USAGE, "bad cutoff: %s", err.msg);

    /* every error, with line and column */
    CHECK(load_text("", NULL, &s, &err) == PS_ERR_INPUT && strstr(err.msg, "t.csv:1:1: no "
          "header; expected the line quantity,actor,"), "empty file: %s", err.msg);
    {
        ps_obs_set *e = NULL;
        CHECK(load_text("quantity,actor,tgt,date,value,sd,transform,source,published\n", NULL,
                        &e, &err) == PS_ERR_INPUT && strstr(err.msg, "t.csv:1:16: header "
                        "column 3 is 'tgt'; expected 'target'"), "header: %s", err.msg);
        CHECK(load_text("quantity,actor,target,date,value,sd,transform,source\n", NULL, &e,
                        &err) == PS_ERR_INPUT && strstr(err.msg, "t.csv:1:1: header has 8 "
                        "columns; expected 9"), "short header: %s", err.msg);
        CHECK(load_text("# only a comment\n", NULL, &e, &err) == PS_ERR_INPUT &&
              strstr(err.msg, "t.csv:2:1: no header"), "comment only: %s", err.msg);
    }
    expect_error("gpd,RUS,,2022-03,1,1,,src,2022-05-01\n", "2:1:",
                 "unknown quantity 'gpd' (did you mean 'gdp'?)");
    expect_error("nosuchthing,RUS,,2022-03,1,1,,src,2022-05-01\n", "2:1:",
                 "expected an actor or dyad state variable (pactsim config explain");
    expect_error("commitment,RUS,,2022-03,1,1,,src,2022-05-01\n", "2:1:", "theater variable");
    expect_error(",RUS,,2022-03,1,1,,src,2022-05-01\n", "2:1:", "empty quantity");
    expect_error("gdp,XXX,,2022-03,1,1,,src,2022-05-01\n", "2:5:",
                 "unknown actor 'XXX'; expected the ISO3 code of an actor of the run or config: "
                 "RUS, IRN, CHN");
    expect_error("gdp,RUs,,2022-03,1,1,,src,2022-05-01\n", "2:5:", "did you mean 'RUS'?");
    expect_error("gdp,,,2022-03,1,1,,src,2022-05-01\n", "2:5:", "empty actor");
    expect_error("oil_trade,RUS,,2022-03,1,1,,src,2022-05-01\n", "2:15:",
                 "empty target; 'oil_trade' is a dyad variable");
    expect_error("oil_trade,RUS,XYZ,2022-03,1,1,,src,2022-05-01\n", "2:15:", "unknown actor 'XYZ'");
    expect_error("oil_trade,RUS,RUS,2022-03,1,1,,src,2022-05-01\n", "2:15:", "the actor itself");
    expect_error("gdp,RUS,IRN,2022-03,1,1,,src,2022-05-01\n", "2:9:",
                 "target 'IRN' given, but 'gdp' is an actor variable");
    expect_error("gdp,RUS,,2022-13,1,1,,src,2022-05-01\n", "2:10:", "date '2022-13'; expected "
                 "YYYY-MM");
    expect_error("gdp,RUS,,22-03,1,1,,src,2022-05-01\n", "2:10:", "date '22-03'");
    expect_error("gdp,RUS,,2022-03-01,1,1,,src,2022-05-01\n", "2:10:", "date '2022-03-01'");
    expect_error("gdp,RUS,,2022-03,abc,1,,src,2022-05-01\n", "2:18:", "value 'abc' is not a "
                 "finite number; expected the observed value in USD/yr");
    expect_error("gdp,RUS,,2022-03,inf,1,,src,2022-05-01\n", "2:18:", "value 'inf'");
    expect_error("gdp,RUS,,2022-03,nan,1,,src,2022-05-01\n", "2:18:", "value 'nan'");
    expect_error("gdp,RUS,,2022-03,1e999,1,,src,2022-05-01\n", "2:18:", "value '1e999'");
    expect_error("gdp,RUS,,2022-03,,1,,src,2022-05-01\n", "2:18:", "value ''");
    expect_error("gdp,RUS,,2022-03,1,0,,src,2022-05-01\n", "2:20:", "sd '0'; expected a finite "
                 "number > 0");
    expect_error("gdp,RUS,,2022-03,1,-2,,src,2022-05-01\n", "2:20:", "sd '-2'");
    expect_error("gdp,RUS,,2022-03,1,x,,src,2022-05-01\n", "2:20:", "sd 'x'");
    expect_error("gdp,RUS,,2022-03,1,1,grwth,src,2022-05-01\n", "2:22:", "transform 'grwth' "
                 "(did you mean 'growth'?); expected level, growth, share or arrival");
    expect_error("gdp,RUS,,2022-03,1,1,log,src,2022-05-01\n", "2:22:", "transform 'log';");
    expect_error("gdp,RUS,,2022-03,1,1,,,2022-05-01\n", "2:23:", "empty source");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-5-1\n", "2:27:", "published '2022-5-1'; "
                 "expected the date it was published, YYYY-MM-DD");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-02-30\n", "2:27:", "published '2022-02-30'");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-02-28\n", "2:27:", "published 2022-02-28, "
                 "before the period it observes (2022-03) ended on 2022-03-31; expected an "
                 "observation, not a forecast");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-03-30\n", "2:27:", "ended on 2022-03-31");
    expect_error("gdp,RUS,,2020-02,1,1,,src,2020-02-28\n", "2:27:", "ended on 2020-02-29");
    expect_error("gdp,RUS,,2022,1,1,,src,2022-07-01\n", "2:24:", "before the period it observes "
                 "(2022) ended on 2022-12-31");
    {   /* on the last day of its period: an observation */
        const char *ok = HEADER "oil_price,RUS,,2022-06,105,4.5,,EIA,2022-06-30\n"
                         "gdp,RUS,,2021,1,1,,src,2021-12-31\n";
        CHECK(load_text(ok, NULL, &s, &err) == PS_OK && s->n == 2, "period's last day: %s",
              err.msg);
        ps_obs_free(s);
    }
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-08-01\n", "2:27:", "after the information "
                 "cutoff 2022-07-22");
    expect_error("gdp,RUS,,2022-03,1,1,,src\n", "2:26:", "8 fields; expected 9");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-05-01,extra\n", "2:38:", "more than 9 fields");
    expect_error("gdp,RUS,,2022-03,1,1,,\"World Bank, WDI,2022-05-01\n", "2:23:",
                 "quoted field not closed before the end of the file");
    expect_error("gdp,RUS,,2022-03,1,1,,World \"Bank\",2022-05-01\n", "2:29:",
                 "'\"' inside an unquoted field");
    expect_error("gdp,RUS,,2022-03,1,1,,\"World\" Bank,2022-05-01\n", "2:31:",
                 "'B' after a closing quote");
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-05-01\n# a comment\n"
                 "gdp,RUS,,2022-03,2,1,,other,2022-06-01\n", "4:1:",
                 "duplicate row: gdp RUS 2022-03 is already observed at");
    /* a duplicate must name its first occurrence */
    expect_error("gdp,RUS,,2022-03,1,1,,src,2022-05-01\ngdp,RUS,,2022-03,2,1,,x,2022-05-01\n",
                 "3:1:", "t.csv:2;");
    /* not duplicates: another transform, frequency or target */
    {
        const char *ok = HEADER "gdp,RUS,,2022-03,1,1,,src,2022-05-01\n"
                         "gdp,RUS,,2022-03,0.1,1,growth,src,2022-05-01\n"
                         "gdp,RUS,,2021,1,1,,src,2022-05-01\n"
                         "oil_trade,RUS,CHN,2022-03,1,1,,src,2022-05-01\n"
                         "oil_trade,RUS,IRN,2022-03,1,1,,src,2022-05-01\n";
        CHECK(load_text(ok, NULL, &s, &err) == PS_OK && s->n == 5, "distinct keys: %s", err.msg);
        ps_obs_free(s);
    }
    /* a NUL byte */
    {
        char path[128];
        snprintf(path, sizeof path, "%s/nul.csv", dir);
        FILE *fp = fopen(path, "wb");
        fwrite(HEADER "gdp,R\0S", 1, sizeof(HEADER) - 1 + 7, fp);
        fclose(fp);
        const char *paths[] = {path};
        ps_obs_options o = {actors, 3, NULL, 0};
        CHECK(ps_obs_load(paths, 1, &o, &s, &err) == PS_ERR_INPUT &&
              strstr(err.msg, "nul.csv:2:6: NUL byte"), "NUL: %s", err.msg);
    }
    /* a missing file, and duplicates across two files */
    {
        const char *paths[] = {"/nonexistent/obs.csv"};
        ps_obs_options o = {actors, 3, NULL, 0};
        CHECK(ps_obs_load(paths, 1, &o, &s, &err) == PS_ERR_INPUT &&
              strstr(err.msg, "/nonexistent/obs.csv"), "missing: %s", err.msg);
        char a[128], b[128];
        snprintf(a, sizeof a, "%s/a.csv", dir);
        snprintf(b, sizeof b, "%s/b.csv", dir);
        write_file(a, HEADER "gdp,RUS,,2022-03,1,1,,src,2022-05-01\n");
        write_file(b, HEADER "# b\ngdp,RUS,,2022-03,1,1,,src,2022-05-01\n");
        const char *two[] = {a, b};
        CHECK(ps_obs_load(two, 2, &o, &s, &err) == PS_ERR_INPUT && strstr(err.msg, "b.csv:3:1: "
              "duplicate row") && strstr(err.msg, "a.csv:2;"), "across files: %s", err.msg);
    }
}

/* A synthetic run: RUS, IRN, CHN from 2021-01 for 36 months.
 * gdp: RUS 100 + t, IRN 50, CHN 2t; oil_trade RUS->IRN 10, RUS->CHN 30 + t. */
static void test_transforms(void)
{
    ps_scenario sc = {0};
    char iso[3][8] = {"RUS", "IRN", "CHN"};
    sc.n_actors = 3;
    sc.actor_iso3 = iso;
    sc.start = (ps_date){2021, 1};
    sc.n_months = 36;
    int nf = ps_registry_n_fields(), fg = ps_field_index("gdp"), ft = ps_field_index("oil_trade");
    double **series = calloc((size_t)nf, sizeof *series);
    series[fg] = calloc(36 * 3, sizeof(double));
    series[ft] = calloc(36 * 9, sizeof(double));
    for (int t = 0; t < 36; t++) {
        series[fg][t * 3 + 0] = 100 + t;
        series[fg][t * 3 + 1] = 50;
        series[fg][t * 3 + 2] = 2 * t;
        series[ft][t * 9 + 0 * 3 + 1] = 10;
        series[ft][t * 9 + 0 * 3 + 2] = 30 + t;
        series[ft][t * 9 + 1 * 3 + 2] = 1000; /* another row: not in RUS's shares */
    }
    ps_run run = {.sc = &sc, .n_months = 36, .n_done = 36, .series = series};
    const char *text =
        HEADER
        "gdp,RUS,,2021-03,0,1,,s,2022-05-01\n"          /* 102 */
        "gdp,RUS,,2022,0,1,,s,2023-05-01\n"             /* mean of 112..123 = 117.5 */
        "gdp,RUS,,2022-03,0,1,growth,s,2022-05-01\n"    /* 114 / 102 - 1 */
        "gdp,RUS,,2022,0,1,growth,s,2023-05-01\n"       /* 117.5 / 105.5 - 1 */
        "gdp,RUS,,2021-03,0,1,share,s,2022-05-01\n"     /* 102 / (102 + 50 + 4) */
        "gdp,CHN,,2021,0,1,share,s,2022-05-01\n"        /* 11 / (105.5 + 50 + 11) */
        "oil_trade,RUS,CHN,2021-01,0,1,share,s,2022-05-01\n" /* 30 / 40 */
        "oil_trade,RUS,CHN,2021,0,1,share,s,2022-05-01\n"    /* 35.5 / 45.5 */
        "oil_trade,RUS,CHN,2023-12,0,1,,s,2024-05-01\n"      /* 65 */
        "oil_trade,RUS,CHN,2023,0,1,growth,s,2024-05-01\n"   /* 59.5 / 47.5 - 1 */
        "oil_trade,RUS,CHN,2021-03,0,1,arrival,s,2022-05-01\n" /* sold in 2021-02: 31 */
        "oil_trade,RUS,CHN,2022,0,1,arrival,s,2023-05-01\n"    /* 2021-12..2022-11: 46.5 */
        "gdp,CHN,,2021-01,0,1,growth,s,2024-05-01\n";        /* outside: needs 2020-01 */
    ps_obs_set *s = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(load_text(text, "none", &s, &err) == PS_OK, "load: %s", err.msg);
    if (!s)
        return;
    double want[] = {102, 117.5, 114.0 / 102 - 1, 117.5 / 105.5 - 1, 102.0 / 156, 11.0 / 166.5,
                     0.75, 35.5 / 45.5, 65, 59.5 / 47.5 - 1, 31, 46.5};
    double x[16];
    /* every row but the last, which lies outside the run */
    s->n--;
    CHECK(ps_obs_equivalents(s, &run, x, &err) == PS_OK, "equivalents: %s", err.msg);
    for (int k = 0; k < 12; k++)
        CHECK(fabs(x[k] - want[k]) < 1e-12 * fabs(want[k]), "row %d: %.15g, expected %.15g",
              k + 2, x[k], want[k]);
    s->n++;
    CHECK(ps_obs_equivalents(s, &run, x, &err) == PS_ERR_INPUT &&
          strstr(err.msg, "t.csv:14:10: the observation needs the model's months 2020-01 to "
                 "2021-01 (growth: 12 months before), outside the run's span 2021-01 to 2023-12"),
          "outside: %s", err.msg);
    /* a run that stopped early: only its n_done months count */
    s->n = 2;
    run.n_done = 20;
    CHECK(ps_obs_equivalents(s, &run, x, &err) == PS_ERR_INPUT && strstr(err.msg, "t.csv:3:"),
          "partial run: %s", err.msg);
    run.n_done = 36;
    int first, last;
    CHECK(ps_obs_months(&s->obs[1], sc.start, 36, &first, &last, &err) == PS_OK && first == 12 &&
          last == 23, "months of an annual level: %d..%d", first, last);
    CHECK(ps_obs_months(&s->obs[10], sc.start, 36, &first, &last, &err) == PS_OK && first == 1 &&
          last == 1, "months of an arrival in 2021-03: %d..%d", first, last);
    /* an arrival in the run's first month was sold before it */
    ps_obs early = s->obs[10];
    early.date = (ps_date){2021, 1};
    CHECK(ps_obs_months(&early, sc.start, 36, &first, &last, &err) == PS_ERR_INPUT &&
              strstr(err.msg, "month 2020-12 (arrival: the month before)"),
          "arrival in the first month: %s", err.msg);
    /* a zero denominator is NaN, not an error; the likelihood is then -inf */
    series[fg][2 * 3 + 0] = 0.0;
    s->n = 3;
    s->obs[2].date = (ps_date){2021, 3};
    s->obs[2].transform = PS_OBS_GROWTH;
    s->obs[2].date = (ps_date){2022, 3};
    series[fg][2 * 3 + 0] = 0.0; /* 2021-03, the base of 2022-03's growth */
    CHECK(ps_obs_equivalents(s, &run, x, &err) == PS_OK && isnan(x[2]), "growth from 0: %g", x[2]);
    CHECK(ps_obs_loglik(s, x) == -INFINITY, "loglik with NaN");
    double y[3] = {s->obs[0].value + 1, s->obs[1].value, s->obs[2].value - 2};
    double ll = -0.5 * (1 + 0 + 4) - 3 * 0.5 * log(2 * M_PI); /* sd = 1 */
    CHECK(fabs(ps_obs_loglik(s, y) - ll) < 1e-12, "loglik %g, expected %g", ps_obs_loglik(s, y), ll);
    /* a scenario with other actors is refused */
    strcpy(iso[2], "IND");
    CHECK(ps_obs_equivalents(s, &run, x, &err) == PS_ERR_INPUT, "other actors");
    s->n = 13;
    ps_obs_free(s);
    free(series[fg]);
    free(series[ft]);
    free(series);
}

/* CRPS of N(mu, s^2) against y (Gneiting, Raftery, Westveld & Goldman 2005, MWR 133:1098). */
static double crps_gauss(double mu, double s, double y)
{
    double z = (y - mu) / s;
    return s * (z * (2 * gsl_cdf_ugaussian_P(z) - 1) + 2 * gsl_ran_ugaussian_pdf(z) -
                1 / sqrt(M_PI));
}

static void test_crps(void)
{
    double x1 = 3.0;
    /* one member, no observation error: |x - y|; sd -> 0 tends to it */
    CHECK(ps_crps_mixture(&x1, 1, 0.0, 5.5) == 2.5, "one member sd 0: %g",
          ps_crps_mixture(&x1, 1, 0.0, 5.5));
    CHECK(fabs(ps_crps_mixture(&x1, 1, 1e-9, 5.5) - 2.5) < 1e-8, "one member sd 1e-9: %.12g",
          ps_crps_mixture(&x1, 1, 1e-9, 5.5));
    /* one member with sd: the Gaussian's closed form; at y = x, sd (2 phi(0) - 1/sqrt(pi)) */
    CHECK(fabs(ps_crps_mixture(&x1, 1, 2.0, 3.0) - 2.0 * 0.23369497725510913) < 1e-12,
          "N(3, 4) at 3: %.15g", ps_crps_mixture(&x1, 1, 2.0, 3.0));
    CHECK(fabs(ps_crps_mixture(&x1, 1, 2.0, 0.5) - crps_gauss(3, 2, 0.5)) < 1e-12,
          "N(3, 4) at 0.5");
    /* identical members: the same as one */
    double same[5] = {3, 3, 3, 3, 3};
    CHECK(fabs(ps_crps_mixture(same, 5, 2.0, 0.5) - crps_gauss(3, 2, 0.5)) < 1e-12,
          "five identical members");
    /* a plain ensemble: E|X - y| - E|X - X'| / 2 by brute force; NaN members left out */
    double e[6] = {1.0, 4.0, NAN, -2.0, 7.5, 4.0};
    double fin[5] = {1.0, 4.0, -2.0, 7.5, 4.0}, y = 2.2, a = 0, b = 0;
    for (int i = 0; i < 5; i++) {
        a += fabs(fin[i] - y);
        for (int j = 0; j < 5; j++)
            b += fabs(fin[i] - fin[j]);
    }
    double want = a / 5 - 0.5 * b / 25;
    CHECK(fabs(ps_crps_mixture(e, 6, 0.0, y) - want) < 1e-12, "ensemble %.15g, expected %.15g",
          ps_crps_mixture(e, 6, 0.0, y), want);
    /* leave-one-out: each value is the CRPS of the ensemble without that member
     * (NaN for the NaN member: there is none), with and without observation error */
    for (double sd = 0.0; sd < 2.0; sd += 1.5) {
        double loo[6], rest[6];
        CHECK(ps_crps_mixture_loo(e, 6, sd, y, loo) == 0, "loo sd %g", sd);
        CHECK(isnan(loo[2]), "loo of the NaN member");
        for (int k = 0; k < 6; k++) {
            int m = 0;
            for (int i = 0; i < 6; i++)
                if (i != k)
                    rest[m++] = e[i];
            if (k != 2)
                CHECK(fabs(loo[k] - ps_crps_mixture(rest, 5, sd, y)) < 1e-12,
                      "loo sd %g member %d: %.15g vs %.15g", sd, k, loo[k],
                      ps_crps_mixture(rest, 5, sd, y));
        }
        /* over the five members: sqrt(4/5 sum (loo - mean)^2) */
        double jk = ps_jackknife_se(loo, 6), mean = 0, ss = 0;
        for (int k = 0; k < 6; k++)
            mean += k == 2 ? 0 : loo[k] / 5;
        for (int k = 0; k < 6; k++)
            ss += k == 2 ? 0 : (loo[k] - mean) * (loo[k] - mean);
        CHECK(fabs(jk - sqrt(4.0 / 5.0 * ss)) < 1e-12 && jk > 0, "jackknife se %.15g", jk);
    }
    CHECK(ps_crps_mixture_loo(&x1, 1, 1.0, 0.0, &want) == -1, "one member has no jackknife");
    CHECK(isnan(ps_jackknife_se(&x1, 1)), "se of one value");
    /* a large ensemble of N(mu, s^2) (quantile points) tends to the Gaussian's CRPS, and
     * with observation error sd to that of N(mu, s^2 + sd^2) */
    enum { M = 2000 };
    static double big[M];
    double mu = 10, s = 3;
    for (int i = 0; i < M; i++)
        big[i] = mu + s * gsl_cdf_ugaussian_Pinv((i + 0.5) / M);
    for (double yy = 4; yy <= 20; yy += 4) {
        double c = ps_crps_mixture(big, M, 0.0, yy), g = crps_gauss(mu, s, yy);
        CHECK(fabs(c - g) < 2e-3 * g, "N(10, 9) ensemble at %g: %.6g vs %.6g", yy, c, g);
        double c2 = ps_crps_mixture(big, M, 4.0, yy), g2 = crps_gauss(mu, 5.0, yy);
        CHECK(fabs(c2 - g2) < 2e-3 * g2, "with sd 4 at %g: %.6g vs N(10, 25) %.6g", yy, c2, g2);
    }
    CHECK(isnan(ps_crps_mixture(e + 2, 1, 1.0, 0.0)), "no finite member: NaN");
}

static void test_pit_coverage(void)
{
    double x1 = 3.0;
    /* one member with sd: the Gaussian's CDF and quantiles */
    CHECK(fabs(ps_mixture_cdf(&x1, 1, 2.0, 4.0) - gsl_cdf_ugaussian_P(0.5)) < 1e-14, "PIT");
    CHECK(fabs(ps_mixture_quantile(&x1, 1, 2.0, 0.95) - (3 + 2 * 1.6448536269514722)) < 1e-9,
          "q95 %.12g", ps_mixture_quantile(&x1, 1, 2.0, 0.95));
    CHECK(fabs(ps_mixture_quantile(&x1, 1, 2.0, 0.25) - (3 - 2 * 0.6744897501960817)) < 1e-9,
          "q25 %.12g", ps_mixture_quantile(&x1, 1, 2.0, 0.25));
    /* a mixture: the quantile inverts the CDF */
    double e[4] = {-1, 0, 5, 6};
    for (double p = 0.05; p < 1; p += 0.15) {
        double q = ps_mixture_quantile(e, 4, 0.7, p);
        CHECK(fabs(ps_mixture_cdf(e, 4, 0.7, q) - p) < 1e-9, "F(q(%g)) = %.12g", p,
              ps_mixture_cdf(e, 4, 0.7, q));
    }
    /* without observation error: the empirical CDF and its inverse */
    CHECK(ps_mixture_cdf(e, 4, 0.0, 0.0) == 0.5 && ps_mixture_quantile(e, 4, 0.0, 0.5) == 0.0 &&
          ps_mixture_quantile(e, 4, 0.0, 0.51) == 5.0, "empirical");
    /* calibration: observations drawn like the members (plus the observation error)
     * fall in the 50% and 90% intervals about 50% and 90% of the time, with PIT uniform;
     * a too narrow ensemble covers far less */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    enum { TRIALS = 2000, MEM = 40 };
    int in50 = 0, in90 = 0, narrow90 = 0, low = 0;
    double ens[MEM], tight[MEM];
    for (int t = 0; t < TRIALS; t++) {
        for (int i = 0; i < MEM; i++) {
            ens[i] = gsl_ran_gaussian(r, 1.0);
            tight[i] = 0.3 * ens[i];
        }
        double yy = gsl_ran_gaussian(r, 1.0) + gsl_ran_gaussian(r, 0.5);
        in50 += yy >= ps_mixture_quantile(ens, MEM, 0.5, 0.25) &&
                yy <= ps_mixture_quantile(ens, MEM, 0.5, 0.75);
        in90 += yy >= ps_mixture_quantile(ens, MEM, 0.5, 0.05) &&
                yy <= ps_mixture_quantile(ens, MEM, 0.5, 0.95);
        narrow90 += yy >= ps_mixture_quantile(tight, MEM, 0.1, 0.05) &&
                    yy <= ps_mixture_quantile(tight, MEM, 0.1, 0.95);
        low += ps_mixture_cdf(ens, MEM, 0.5, yy) < 0.2;
    }
    gsl_rng_free(r);
    /* binomial sd of a proportion over 2000 trials: ~0.011 at 0.5, ~0.007 at 0.9 */
    CHECK(fabs(in50 / (double)TRIALS - 0.5) < 0.04, "50%% coverage %g", in50 / (double)TRIALS);
    CHECK(fabs(in90 / (double)TRIALS - 0.9) < 0.03, "90%% coverage %g", in90 / (double)TRIALS);
    CHECK(fabs(low / (double)TRIALS - 0.2) < 0.035, "P(PIT < 0.2) %g", low / (double)TRIALS);
    CHECK(narrow90 / (double)TRIALS < 0.6, "too narrow: 90%% interval covers %g",
          narrow90 / (double)TRIALS);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/ps_test_obs.%ld", (long)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd) != 0)
        return 1;
    test_parser();
    test_transforms();
    test_crps();
    test_pit_coverage();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return CHECK_DONE();
}
