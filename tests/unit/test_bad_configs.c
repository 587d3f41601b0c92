/* Every file in tests/bad_configs/ must fail to load with PS_ERR_CONFIG and
 * a message "<path>:<line>:<col>: ..." containing the text the manifest
 * (expected.tsv) gives. Every NN_*.yaml there must be in the manifest.
 * A file whose values only a model can judge (e.g. GDP below its oil
 * revenue, which the oil model computes) loads, and must then fail in the
 * first month with PS_ERR_CONFIG and a message that names the same place
 * after the model's name. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"

#define DIR_PATH PS_SOURCE_DIR "/tests/bad_configs"
#define MAX_ROWS 256

static char listed[MAX_ROWS][128];
static int n_listed;

static void check_row(const char *file, const char *where, const char *substring)
{
    char path[4096], prefix[8192];
    snprintf(path, sizeof path, "%s/%s", DIR_PATH, file);
    /* "L:C" is in the file itself; "other.yaml:L:C" in a file it extends. */
    if (strchr(where, '.'))
        snprintf(prefix, sizeof prefix, "%s/%s: ", DIR_PATH, where);
    else
        snprintf(prefix, sizeof prefix, "%s:%s: ", path, where);

    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_scenario_load(path, NULL, 0, &sc, &err);
    int judged = st == PS_OK; /* it loads: a model's check must refuse it in the first month */
    if (judged) {
        st = ps_scenario_check(sc, &err);
        ps_scenario_free(sc);
        sc = NULL;
    }
    CHECK(st == PS_ERR_CONFIG, "%s: status %d (%s)%s, message: %s", file, st,
          ps_status_text(st), judged ? " in the first month" : "", err.msg);
    CHECK(sc == NULL, "%s: scenario returned on error", file);
    if (judged)
        CHECK(strncmp(err.msg, "model '", 7) == 0 && strstr(err.msg, prefix) != NULL,
              "%s: message does not name a model and then '%s':\n    %s", file, prefix, err.msg);
    else
        CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0, "%s: message does not start with "
              "'%s':\n    %s", file, prefix, err.msg);
    CHECK(strstr(err.msg, substring) != NULL, "%s: message lacks '%s':\n    %s", file,
          substring, err.msg);
    CHECK(strstr(err.msg, "; expected ") != NULL, "%s: message has no '; expected':\n    %s",
          file, err.msg);
    ps_scenario_free(sc);
}

int main(void)
{
    FILE *fp = fopen(DIR_PATH "/expected.tsv", "r");
    CHECK(fp != NULL, "cannot open %s", DIR_PATH "/expected.tsv");
    if (!fp)
        return CHECK_DONE();
    char line[2048];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *file = line, *where = strchr(file, '\t');
        char *substring = where ? strchr(where + 1, '\t') : NULL;
        CHECK(substring != NULL, "malformed manifest line: %s", line);
        if (!substring)
            continue;
        *where++ = '\0';
        *substring++ = '\0';
        if (n_listed < MAX_ROWS)
            snprintf(listed[n_listed++], sizeof listed[0], "%.127s", file);
        check_row(file, where, substring);
    }
    fclose(fp);
    CHECK(n_listed >= 20, "only %d bad configs listed", n_listed);

    /* No bad config may be skipped by forgetting its manifest line. */
    DIR *d = opendir(DIR_PATH);
    CHECK(d != NULL, "cannot list %s", DIR_PATH);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 || e->d_name[0] < '0' ||
            e->d_name[0] > '9')
            continue;
        int found = 0;
        for (int i = 0; i < n_listed; i++)
            found |= strcmp(listed[i], e->d_name) == 0;
        CHECK(found, "%s is not listed in expected.tsv", e->d_name);
    }
    if (d)
        closedir(d);
    return CHECK_DONE();
}
