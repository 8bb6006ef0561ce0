/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "journal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"write", "remove", "rmdir"};

struct ost_journal_op *ost_journal_add(struct ost_journal *j, enum ost_journal_kind kind, const char *path)
{
    ost_grow(&j->ops, &j->cap, j->nops + 1, sizeof *j->ops);
    struct ost_journal_op *o = &j->ops[j->nops++];
    *o = (struct ost_journal_op){.kind = kind, .path = ost_xstrdup(path)};
    return o;
}

char *ost_journal_serialize(const struct ost_journal *j)
{
    json_t *ops = json_array();
    for (size_t i = 0; i < j->nops; i++) {
        const struct ost_journal_op *o = &j->ops[i];
        json_t *mk = json_array();
        for (size_t k = 0; k < o->mkdirs.n; k++)
            json_array_append_new(mk, json_string(o->mkdirs.v[k]));
        json_t *op = json_pack("{s:s, s:s, s:b, s:o}", "op", kind_names[o->kind], "path", o->path, "existed",
                               o->existed, "mkdirs", mk);
        if (o->staged)
            json_object_set_new(op, "staged", json_string(o->staged));
        json_array_append_new(ops, op);
    }
    json_t *doc = json_pack("{s:s, s:I, s:o}", "format", OST_JOURNAL_FORMAT, "pid", (json_int_t)j->pid, "ops", ops);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(doc);
    char *out = ost_xasprintf("%s\n", text);
    free(text);
    return out;
}

bool ost_journal_path_ok(const char *path)
{
    if (!path[0])
        return false;
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == '\\')
                return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

static bool staged_name_ok(const char *s)
{
    if (!s[0] || strlen(s) > 64)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

static ost_status bad(const char *name, size_t index, const char *what, struct ost_error *err)
{
    return ost_fail(err, OST_ERR_CORRUPT, "%s: ops[%zu]: %s; offstage did not write this journal", name, index,
                    what);
}

static ost_status parse_op(const char *name, size_t i, json_t *op, struct ost_journal *j, struct ost_error *err)
{
    const char *kind = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    json_t *existed = json_object_get(op, "existed");
    json_t *mkdirs = json_object_get(op, "mkdirs");
    json_t *staged = json_object_get(op, "staged");
    if (!json_is_object(op) || !kind || !path || !json_is_boolean(existed) || !json_is_array(mkdirs))
        return bad(name, i, "an entry needs \"op\", \"path\", \"existed\" and \"mkdirs\"", err);
    int k = -1;
    for (int n = 0; n < 3; n++)
        if (!strcmp(kind, kind_names[n]))
            k = n;
    if (k < 0)
        return bad(name, i, "unknown \"op\"", err);
    if (!ost_journal_path_ok(path))
        return bad(name, i, "\"path\" would leave the image", err);
    if ((k == OST_JOURNAL_WRITE) != (staged != NULL) ||
        (staged && (!json_is_string(staged) || !staged_name_ok(json_string_value(staged)))))
        return bad(name, i, "\"staged\" is missing, misplaced or not a plain name", err);
    if (json_array_size(mkdirs) > 256)
        return bad(name, i, "too many \"mkdirs\"", err);
    struct ost_journal_op *o = ost_journal_add(j, (enum ost_journal_kind)k, path);
    o->existed = json_is_true(existed);
    if (staged)
        o->staged = ost_xstrdup(json_string_value(staged));
    size_t m;
    json_t *d;
    json_array_foreach(mkdirs, m, d) {
        const char *dir = json_string_value(d);
        if (!dir || !ost_journal_path_ok(dir))
            return bad(name, i, "a \"mkdirs\" entry would leave the image", err);
        ost_strlist_add(&o->mkdirs, dir);
    }
    return OST_OK;
}

ost_status ost_journal_parse(const char *name, const uint8_t *data, size_t size, struct ost_journal *j,
                             struct ost_error *err)
{
    *j = (struct ost_journal){0};
    if (size > OST_JOURNAL_MAX_BYTES)
        return ost_fail(err, OST_ERR_LIMIT, "%s: %zu bytes; a journal has at most %u", name, size,
                        OST_JOURNAL_MAX_BYTES);
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: line %d, column %d: %s", name, je.line, je.column, je.text);
    ost_status st = OST_OK;
    const char *format = json_string_value(json_object_get(doc, "format"));
    json_t *pid = json_object_get(doc, "pid");
    json_t *ops = json_object_get(doc, "ops");
    if (!format || strcmp(format, OST_JOURNAL_FORMAT) != 0)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: not an %s journal", name, OST_JOURNAL_FORMAT);
    else if (!json_is_integer(pid) || !json_is_array(ops) || json_array_size(ops) > OST_JOURNAL_MAX_OPS)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: needs an integer \"pid\" and an \"ops\" list", name);
    else
        j->pid = (long)json_integer_value(pid);
    size_t i;
    json_t *op;
    if (st == OST_OK)
        json_array_foreach(ops, i, op) {
            if ((st = parse_op(name, i, op, j, err)) != OST_OK)
                break;
        }
    json_decref(doc);
    if (st != OST_OK)
        ost_journal_free(j);
    return st;
}

void ost_journal_free(struct ost_journal *j)
{
    for (size_t i = 0; i < j->nops; i++) {
        free(j->ops[i].path);
        free(j->ops[i].staged);
        ost_strlist_free(&j->ops[i].mkdirs);
    }
    free(j->ops);
    *j = (struct ost_journal){0};
}
