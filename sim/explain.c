/* `pactsim config explain`: every parameter, state field, event type and
 * metric from the models' tables; docs/parameters.md is this, as markdown. */
#include <string.h>

#include "internal.h"
#include "pactsim_model.h"

static const char *type_name(ps_type t)
{
    return t == PS_INT ? "int" : t == PS_BOOL ? "bool" : "real";
}

static const char *shape_name(ps_shape s)
{
    return s == PS_DYAD ? "dyad" : s == PS_THEATER ? "theater" : "actor";
}

static void explain_text(FILE *fp, const ps_model *m)
{
    fprintf(fp, "model %s: %s\n", m->name, m->description);
    fprintf(fp, "  parameters (parameters.%s.<name>):\n", m->name);
    for (int k = 0; k < m->n_params; k++) {
        const ps_param *p = &m->params[k];
        fprintf(fp, "    %-22s %s [%s], default %g, bounds [%g, %g]\n", p->name,
                type_name(p->type), p->unit, p->def, p->lo, p->hi);
        fprintf(fp, "      %s\n      source: %s\n", p->description, p->source);
    }
    fprintf(fp, "  state fields (initial values under actors / relations / theater_state;\n"
                "  a computed one takes none):\n");
    for (int k = 0; k < m->n_fields; k++) {
        const ps_field *f = &m->fields[k];
        fprintf(fp, "    %-22s %s [%s], default %g, bounds [%g, %g]%s\n", f->name,
                shape_name(f->shape), f->unit, f->init, f->lo, f->hi,
                ps_registry_field_computed(ps_field_index(f->name))
                    ? ", computed every month by this model (no initial value in a config)"
                    : "");
        fprintf(fp, "      %s\n      source: %s\n", f->description, f->source);
    }
    if (m->n_internal)
        fprintf(fp, "  internal state (kept in the world like fields; not output, not set "
                    "by configs):\n");
    for (int k = 0; k < m->n_internal; k++) {
        const ps_field *f = &m->internal[k];
        fprintf(fp, "    %-22s %s [%s], internal\n", f->name, shape_name(f->shape), f->unit);
        fprintf(fp, "      %s\n      initial: %s\n", f->description, f->source);
    }
    fprintf(fp, "  reads (other models' fields, state t):\n");
    for (int k = 0; k < m->n_inputs; k++) {
        int owner = -1, g = ps_field_index(m->inputs[k].name);
        if (g >= 0)
            ps_registry_field(g, &owner);
        fprintf(fp, "    %-22s %s, from %s%s\n", m->inputs[k].name,
                shape_name(m->inputs[k].shape), owner >= 0 ? ps_registry_model(owner)->name
                                                           : "(absent)",
                m->inputs[k].optional ? " (optional)" : "");
    }
    fprintf(fp, "  timeline event types:\n");
    for (int k = 0; k < m->n_events; k++) {
        const ps_event_type *e = &m->events[k];
        fprintf(fp, "    %-22s magnitude [%s] in [%g, %g]: %s\n", e->name,
                e->magnitude_unit, e->lo, e->hi, e->description);
    }
    fprintf(fp, "  summary metrics:\n");
    for (int k = 0; k < m->n_metrics; k++)
        fprintf(fp, "    %-22s [%s]: %s\n", m->metrics[k].name, m->metrics[k].unit,
                m->metrics[k].description);
    fprintf(fp, "\n");
}

/* Markdown cells must not contain a bare '|'. */
static void md_cell(FILE *fp, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, fp);
}

static void explain_markdown(FILE *fp, const ps_model *m)
{
    fprintf(fp, "## Model `%s`\n\n%s\n\n", m->name, m->description);
    fprintf(fp, "### Parameters (`parameters.%s.<name>`)\n\n", m->name);
    fprintf(fp, "| name | type | unit | default | bounds | description | source |\n"
                "|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < m->n_params; k++) {
        const ps_param *p = &m->params[k];
        fprintf(fp, "| `%s` | %s | %s | %g | [%g, %g] | ", p->name, type_name(p->type),
                p->unit, p->def, p->lo, p->hi);
        md_cell(fp, p->description);
        fputs(" | ", fp);
        md_cell(fp, p->source);
        fputs(" |\n", fp);
    }
    fprintf(fp, "\n### State fields\n\nA field whose default initial value is *computed* is "
                "derived by this model from other state before any model reads it, every "
                "month: a config may not give it an initial value (it would have no "
                "effect).\n\n| name | shape | unit | default initial | bounds | "
                "description | source of initial values |\n|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < m->n_fields; k++) {
        const ps_field *f = &m->fields[k];
        if (ps_registry_field_computed(ps_field_index(f->name)))
            fprintf(fp, "| `%s` | %s | %s | *computed* | [%g, %g] | ", f->name,
                    shape_name(f->shape), f->unit, f->lo, f->hi);
        else
            fprintf(fp, "| `%s` | %s | %s | %g | [%g, %g] | ", f->name, shape_name(f->shape),
                    f->unit, f->init, f->lo, f->hi);
        md_cell(fp, f->description);
        fputs(" | ", fp);
        md_cell(fp, f->source);
        fputs(" |\n", fp);
    }
    if (m->n_internal)
        fprintf(fp, "\n### Internal state\n\nKept in the world like the state "
                    "fields; not written to the output and not set by configs.\n\n"
                    "| name | shape | unit | description | initial value |\n|---|---|---|---|---|\n");
    for (int k = 0; k < m->n_internal; k++) {
        const ps_field *f = &m->internal[k];
        fprintf(fp, "| `%s` | %s | %s | ", f->name, shape_name(f->shape), f->unit);
        md_cell(fp, f->description);
        fputs(" | ", fp);
        md_cell(fp, f->source);
        fputs(" |\n", fp);
    }
    if (m->n_inputs) {
        fprintf(fp, "\n### Reads (other models' fields, state t)\n\n");
        for (int k = 0; k < m->n_inputs; k++) {
            int owner = -1, g = ps_field_index(m->inputs[k].name);
            if (g >= 0)
                ps_registry_field(g, &owner);
            fprintf(fp, "%s`%s` (%s)%s", k ? ", " : "", m->inputs[k].name,
                    owner >= 0 ? ps_registry_model(owner)->name : "absent",
                    m->inputs[k].optional ? "" : " required");
        }
        fprintf(fp, "\n");
    }
    if (m->n_events) {
        fprintf(fp, "\n### Timeline event types\n\n| type | magnitude unit | bounds | effect |\n"
                    "|---|---|---|---|\n");
        for (int k = 0; k < m->n_events; k++) {
            const ps_event_type *e = &m->events[k];
            fprintf(fp, "| `%s` | %s | [%g, %g] | ", e->name, e->magnitude_unit, e->lo, e->hi);
            md_cell(fp, e->description);
            fputs(" |\n", fp);
        }
    }
    if (m->n_metrics) {
        fprintf(fp, "\n### Summary metrics\n\n| metric | unit | description |\n|---|---|---|\n");
        for (int k = 0; k < m->n_metrics; k++)
            fprintf(fp, "| `%s` | %s | %s |\n", m->metrics[k].name, m->metrics[k].unit,
                    m->metrics[k].description);
    }
    fprintf(fp, "\n");
}

ps_status ps_explain(FILE *fp, const char *model, int markdown, ps_error *err)
{
    int only = -1;
    if (model) {
        only = ps_registry_find(model);
        if (only < 0) {
            char list[512] = "";
            const char *names[PS_MAX_MODELS];
            int nm = ps_registry_count() < PS_MAX_MODELS ? ps_registry_count() : PS_MAX_MODELS;
            for (int k = 0; k < nm; k++) {
                names[k] = ps_registry_model(k)->name;
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, names[k], sizeof list - strlen(list) - 1);
            }
            const char *near = ps_did_you_mean(model, names, nm);
            return ps_error_set(err, PS_ERR_USAGE, "config explain: unknown model '%s'%s%s%s; "
                                "expected one of: %s", model, near ? " (did you mean '" : "",
                                near ? near : "", near ? "'?)" : "", list);
        }
    }
    if (markdown)
        fprintf(fp, "# pactsim parameters\n\nGenerated by `pactsim config explain --markdown` "
                    "from the models' parameter and field tables; do not edit by hand.\n\n");
    for (int k = 0; k < ps_registry_count(); k++) {
        if (only >= 0 && k != only)
            continue;
        if (markdown)
            explain_markdown(fp, ps_registry_model(k));
        else
            explain_text(fp, ps_registry_model(k));
    }
    return PS_OK;
}

/* The data flow between models, from their declared inputs: a mermaid graph
 * (owner -> reader, labelled with the fields read) and a table. */
ps_status ps_explain_dataflow(FILE *fp, ps_error *err)
{
    int n = ps_registry_count();
    fprintf(fp, "```mermaid\nflowchart LR\n");
    for (int k = 0; k < n; k++)
        fprintf(fp, "    %s[\"%d. %s\"]\n", ps_registry_model(k)->name, k + 1,
                ps_registry_model(k)->name);
    for (int src = 0; src < n; src++)
        for (int dst = 0; dst < n; dst++) {
            const ps_model *m = ps_registry_model(dst);
            int any = 0;
            for (int i = 0; i < m->n_inputs; i++) {
                int owner = -1, g = ps_field_index(m->inputs[i].name);
                if (g < 0 || (ps_registry_field(g, &owner), owner != src))
                    continue;
                if (!any)
                    fprintf(fp, "    %s -->|\"", ps_registry_model(src)->name);
                fprintf(fp, "%s%s%s", any ? "<br>" : "", m->inputs[i].name,
                        m->inputs[i].at_init ? "*" : "");
                any = 1;
            }
            if (any)
                fprintf(fp, "\"| %s\n", m->name);
        }
    int order[PS_MAX_MODELS], init_pos[PS_MAX_MODELS];
    ps_status st = ps_registry_init_order(order, err);
    if (st != PS_OK)
        return st;
    for (int q = 0; q < n; q++)
        init_pos[order[q]] = q + 1;
    fprintf(fp, "```\n\n| step | init | model | writes | reads (owner; * also at init) |\n"
                "|---|---|---|---|---|\n");
    for (int k = 0; k < n; k++) {
        const ps_model *m = ps_registry_model(k);
        fprintf(fp, "| %d | %d | `%s` | ", k + 1, init_pos[k], m->name);
        for (int i = 0; i < m->n_fields; i++)
            fprintf(fp, "%s`%s`", i ? ", " : "", m->fields[i].name);
        for (int i = 0; i < m->n_internal; i++)
            fprintf(fp, "%s`%s`", i ? ", " : "; internal: ", m->internal[i].name);
        fprintf(fp, " | ");
        for (int i = 0; i < m->n_inputs; i++) {
            int owner = -1, g = ps_field_index(m->inputs[i].name);
            if (g >= 0)
                ps_registry_field(g, &owner);
            fprintf(fp, "%s`%s`%s (%s)", i ? ", " : "", m->inputs[i].name,
                    m->inputs[i].at_init ? "*" : "",
                    owner >= 0 ? ps_registry_model(owner)->name : "absent");
        }
        fprintf(fp, " |\n");
    }
    return PS_OK;
}
