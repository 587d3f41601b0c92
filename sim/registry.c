/* Global views over the registered models (models/registry.c).
 *
 * The engine knows no model by name: fields, event types and metrics are the
 * concatenation of the models' tables in registry order, and a global index
 * is a position in that concatenation. */
#include <string.h>

#include "pactsim.h"

/* The list in use: models/registry.c's, unless a test installs its own. */
static const ps_model *const *active = ps_models;

void ps_registry_use(const ps_model *const *models)
{
    active = models ? models : ps_models;
}

int ps_registry_count(void)
{
    int n = 0;
    while (active[n])
        n++;
    return n;
}

const ps_model *ps_registry_model(int k)
{
    return (k >= 0 && k < ps_registry_count()) ? active[k] : NULL;
}

int ps_registry_find(const char *name)
{
    for (int k = 0; active[k]; k++)
        if (strcmp(active[k]->name, name) == 0)
            return k;
    return -1;
}

/* Walk one kind of table: which = 0 fields, 1 event types, 2 metrics. */
static int table_count(const ps_model *m, int which)
{
    return which == 0 ? m->n_fields : which == 1 ? m->n_events : m->n_metrics;
}

static int table_total(int which)
{
    int n = 0;
    for (int k = 0; active[k]; k++)
        n += table_count(active[k], which);
    return n;
}

/* Model owning global entry g of a table, and the local index in it. */
static int table_locate(int which, int g, int *local)
{
    if (g < 0)
        return -1;
    for (int k = 0; active[k]; k++) {
        int c = table_count(active[k], which);
        if (g < c) {
            *local = g;
            return k;
        }
        g -= c;
    }
    return -1;
}

int ps_registry_n_fields(void) { return table_total(0); }
int ps_registry_n_event_types(void) { return table_total(1); }
int ps_registry_n_metrics(void) { return table_total(2); }

const ps_field *ps_registry_field(int f, int *owner)
{
    int local, k = table_locate(0, f, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : &active[k]->fields[local];
}

const ps_event_type *ps_registry_event_type(int e, int *owner)
{
    int local, k = table_locate(1, e, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : &active[k]->events[local];
}

const ps_metric *ps_registry_metric(int m, int *owner)
{
    int local, k = table_locate(2, m, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : &active[k]->metrics[local];
}

int ps_field_index(const char *name)
{
    int n = ps_registry_n_fields();
    for (int f = 0; f < n; f++)
        if (strcmp(ps_registry_field(f, NULL)->name, name) == 0)
            return f;
    return -1;
}

int ps_registry_find_event_type(const char *name)
{
    int n = ps_registry_n_event_types();
    for (int e = 0; e < n; e++)
        if (strcmp(ps_registry_event_type(e, NULL)->name, name) == 0)
            return e;
    return -1;
}
