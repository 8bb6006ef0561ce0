/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage wim-info: what a WIM holds, like dism /Get-WimInfo. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage wim-info FILE [--json]\n"
    "\n"
    "Shows what a WIM holds, like `dism /Get-WimInfo`: for each image its index,\n"
    "name, description, edition, architecture, Windows version and build, file\n"
    "count and size; the boot index; compression type and chunk size; whether\n"
    "an integrity table is present; the part number of a split WIM; whether it\n"
    "is a solid (ESD) archive. Reads install.wim, boot.wim, ESD files and split\n"
    "WIM parts; never writes.\n"
    "\n"
    "Examples:\n"
    "  offstage wim-info install.wim\n"
    "  offstage wim-info sources/boot.wim --json\n"
    "\n"
    "Exit status: 0 read; 2 not a readable WIM.\n";

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h')
            return fputs(help, stdout), OST_EXIT_OK;
        else
            return ost_cli_usage_error("wim-info", "unknown option");
    }
    if (optind != argc - 1)
        return ost_cli_usage_error("wim-info", "name one WIM file");
    struct ost_wim_info w;
    struct ost_error err;
    if (ost_wim_info(argv[optind], &w, &err) != OST_OK)
        return ost_cli_report_error("wim-info", &err);
    if (json) {
        json_t *images = json_array();
        for (uint32_t i = 0; i < w.image_count; i++) {
            const struct ost_wim_image_info *im = &w.images[i];
            json_array_append_new(images, json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I}", "index",
                im->index, "name", ost_json_str(im->name), "description", ost_json_str(im->description),
                "edition", ost_json_str(im->edition), "product_name", ost_json_str(im->product_name),
                "arch", ost_json_str(im->arch), "version", ost_json_str(im->version),
                "file_count", (json_int_t)im->file_count, "dir_count", (json_int_t)im->dir_count,
                "total_bytes", (json_int_t)im->total_bytes));
        }
        json_t *doc = json_pack("{s:s, s:s, s:i, s:i, s:s, s:i, s:b, s:b, s:i, s:i, s:I, s:o}", "schema",
            "offstage.wim-info/1", "path", w.path, "image_count", w.image_count, "boot_index", w.boot_index,
            "compression", w.compression, "chunk_size", w.chunk_size, "integrity_table", w.integrity,
            "solid", w.solid, "part_number", w.part_number, "total_parts", w.total_parts,
            "size", (json_int_t)w.total_bytes, "images", images);
        ost_cli_print_json(doc);
        json_decref(doc);
    } else {
        printf("%s\n  images %u, boot index %u, %s compression, chunk size %u, integrity table %s, part %u/%u%s\n",
               w.path, w.image_count, w.boot_index, w.compression, w.chunk_size, w.integrity ? "yes" : "no",
               w.part_number, w.total_parts, w.solid ? ", solid (ESD)" : "");
        for (uint32_t i = 0; i < w.image_count; i++) {
            const struct ost_wim_image_info *im = &w.images[i];
            printf("\nIndex : %d\nName : %s\nDescription : %s\nEdition : %s\nArchitecture : %s\n"
                   "Version : %s\nFiles : %llu (%llu directories)\nSize : %llu bytes\n",
                   im->index, im->name ? im->name : "", im->description ? im->description : "",
                   im->edition ? im->edition : "", im->arch ? im->arch : "", im->version ? im->version : "",
                   (unsigned long long)im->file_count, (unsigned long long)im->dir_count,
                   (unsigned long long)im->total_bytes);
        }
    }
    ost_wim_info_free(&w);
    return OST_EXIT_OK;
}

const struct ost_command ost_cmd_wim_info = {
    .name = "wim-info",
    .summary = "show the images of a WIM file (like dism /Get-WimInfo)",
    .help = help,
    .run = run,
};
