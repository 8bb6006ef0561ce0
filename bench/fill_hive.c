/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fill_hive — grows a hive to a realistic size for the benchmarks, or sets
 * one string value. Not part of offstage.
 *
 *   fill_hive HIVE grow KEYS VALUES_PER_KEY VALUE_BYTES
 *   fill_hive HIVE set 'Key\Path' Name Value
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"

static int fail(const struct ost_error *err)
{
    fprintf(stderr, "fill_hive: %s\n", err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: see the source\n"), 2;
    struct ost_hive *h;
    struct ost_error err;
    struct ost_hive_open_options o = {.writable = true};
    if (ost_hive_open(argv[1], &o, &h, &err) != OST_OK)
        return fail(&err);
    if (!strcmp(argv[2], "grow") && argc == 6) {
        long keys = atol(argv[3]), per = atol(argv[4]), bytes = atol(argv[5]);
        char *data = malloc((size_t)bytes + 1);
        for (long k = 0; k < keys; k++) {
            char path[96];
            snprintf(path, sizeof path, "Bench\\Group%03ld\\Key%06ld", k % 500, k);
            ost_hkey key;
            if (ost_hive_create_key(h, 0, path, &key, &err) != OST_OK)
                return fail(&err);
            for (long v = 0; v < per; v++) {
                for (long i = 0; i < bytes; i++)
                    data[i] = (char)('a' + (k * 7 + v * 13 + i) % 26);
                data[bytes] = '\0';
                char name[32];
                snprintf(name, sizeof name, "Value%ld", v);
                if (ost_hive_set_string(h, key, name, OST_REG_SZ, data, &err) != OST_OK)
                    return fail(&err);
            }
        }
        free(data);
    } else if (!strcmp(argv[2], "set") && argc == 6) {
        ost_hkey key;
        if (ost_hive_create_key(h, 0, argv[3], &key, &err) != OST_OK ||
            ost_hive_set_string(h, key, argv[4], OST_REG_SZ, argv[5], &err) != OST_OK)
            return fail(&err);
    } else {
        return fprintf(stderr, "fill_hive: bad arguments\n"), 2;
    }
    char *tmp = malloc(strlen(argv[1]) + 5);
    sprintf(tmp, "%s.new", argv[1]);
    if (ost_hive_save(h, tmp, &err) != OST_OK)
        return fail(&err);
    ost_hive_close(h);
    if (rename(tmp, argv[1]) != 0)
        return perror("rename"), 1;
    free(tmp);
    return 0;
}
