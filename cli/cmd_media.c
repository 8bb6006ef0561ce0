/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage media: stage driver packages into a whole Windows 7 install
 * media, ISO or folder, and write a bootable ISO. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "add_driver_cli.h"
#include "image_cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage media SOURCE (--output NEW.iso | --in-place) --driver PATH...\n"
    "                      [--install-index LIST] [--boot-index 2|all] [--winre] [--winpe-driver-folder]\n"
    "                      [--split-above BYTES] [add-driver's options]\n"
    "\n"
    "Stages driver packages into a whole Windows 7 install media in one step:\n"
    "SOURCE is an ISO file or the folder of an extracted one. Serviced, in one\n"
    "transaction (on any failure nothing of SOURCE changes, and no output\n"
    "appears):\n"
    "  - every image of sources\\install.wim (the editions: what the installed\n"
    "    system installs from on its first boot), or those --install-index names;\n"
    "  - sources\\boot.wim index 2, the Windows PE that runs Setup (and index 1\n"
    "    with --boot-index all);\n"
    "  - with --test-sign: the certificate in every serviced image's ROOT and\n"
    "    TrustedPublisher stores, testsigning on in each install image's\n"
    "    BCD-Template and in every Windows Boot Loader of the media's own boot\n"
    "    stores, boot\\BCD (BIOS) and efi\\microsoft\\boot\\bcd (UEFI), which Setup\n"
    "    boots from (each found case-insensitively, each only if present);\n"
    "  - offstage-media.json at the media root: the source's SHA-256, what was\n"
    "    staged into which image, the certificate's thumbprint, the version.\n"
    "Then the verdicts per image: Setup (boot.wim, resting on the media stores)\n"
    "and the installed system's first boot (install.wim).\n"
    "\n"
    "The output: --output NEW.iso writes a bootable ISO (xorriso; the source's\n"
    "volume label kept; BIOS El Torito from boot\\etfsboot.com, no emulation,\n"
    "load size 8; UEFI from efi\\microsoft\\boot\\efisys.bin, platform 0xEF; names\n"
    "without \";1\", which ETFSBOOT.COM needs, Microsoft KB931708), written beside\n"
    "NEW.iso, read back (boot catalog, files) and only then renamed to it.\n"
    "--in-place (a folder SOURCE) makes the serviced folder the result: the work\n"
    "is done on a copy beside it (unchanged files are hard links), which then\n"
    "takes the folder's place in one rename. An ISO SOURCE is never written:\n"
    "7-Zip (7zz) reads it, UDF or ISO 9660, into a private copy beside NEW.iso,\n"
    "removed at the end; a dry run extracts only the two WIMs and the stores.\n"
    "\n"
    "Choosing where a driver goes:\n"
    "  - A driver the installed system needs (sound, network, display): the\n"
    "    default, install.wim; first boot installs it through Plug and Play.\n"
    "  - A driver Setup itself needs, above all the storage controller of the\n"
    "    disk Windows goes onto (else Setup shows no disk): it is staged into\n"
    "    boot.wim index 2 too; add --winpe-driver-folder to also copy the\n"
    "    packages to $WinPEDriver$ at the media root, which Setup scans and\n"
    "    installs from by itself (Microsoft, \"Add device drivers to Windows\n"
    "    during Windows Setup\"); this is the surer way for a storage driver.\n"
    "  - --boot-index all also services index 1 (plain Windows PE, used for\n"
    "    repair), which Setup does not run.\n"
    "  - --winre also services the Windows Recovery Environment inside each\n"
    "    install image (Windows\\System32\\Recovery\\winre.wim, a WIM inside the\n"
    "    WIM: extracted, serviced, written back, its boot index and image\n"
    "    metadata kept), so recovery on the installed system sees the device\n"
    "    too (a storage driver: else recovery finds no disk). Editions sharing\n"
    "    one winre.wim share one servicing.\n"
    "\n"
    "Files of 4 GiB or more: an ISO 9660 file of that size needs several\n"
    "extents, and that Windows 7 Setup reads them is not documented; Microsoft\n"
    "documents that Setup installs from a split sources\\install.swm set. So an\n"
    "install.wim that grows past 4 GiB - 1 byte is split with libwim into\n"
    "install.swm, install2.swm, ... (parts under 3800 MiB), and the command\n"
    "says so (not documented for Windows 7 in particular: try one install).\n"
    "No image is ever written truncated. xorriso writes no UDF.\n"
    "\n"
    "Options:\n"
    "  --output NEW.iso  the ISO to write (must not be SOURCE; replaced if it exists).\n"
    "  --in-place        a folder SOURCE: it becomes the serviced media (no ISO).\n"
    "  --install-index LIST  install.wim images: \"all\" (the default), or e.g. 1,3.\n"
    "  --boot-index 2|all    boot.wim: Setup alone (2, the default) or 1 and 2.\n"
    "  --winre           also each install image's winre.wim.\n"
    "  --winpe-driver-folder  also copy the packages to $WinPEDriver$\\NAME.\n"
    "  --split-above BYTES   split install.wim above this size (default: for an\n"
    "                    ISO output 4294967295; for a folder, none: give 4294967295\n"
    "                    for a FAT32 USB stick).\n"
    "  --driver PATH     and add-driver's other options (--recurse,\n"
    "                    --force-unsigned, --setup-complete, --test-sign, --cert,\n"
    "                    --key, --test-sign-dir, --digest, --trust, --no-rearm,\n"
    "                    --compression-level, --force): as for add-driver\n"
    "                    (offstage help add-driver).\n"
    "  --dry-run         print the whole plan; write nothing. An image whose plan\n"
    "                    is an earlier one's gets one line naming that image.\n"
    "  --quiet           print only the last line (the result) and errors.\n"
    "  --json            machine-readable plan and result (offstage.media/1).\n"
    "\n"
    "Example (the seed's virtio-snd driver, test-signed for Windows 7 x64):\n"
    "  offstage make-test-cert --out /tmp/testcert\n"
    "  offstage media win7.iso --output win7-virtio.iso \\\n"
    "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
    "\n"
    "Exit status: 0 serviced (or already so); 1 a package was refused (nothing\n"
    "was written); 2 error (no sources/install.wim, a damaged ISO, I/O).\n";

struct options {
    struct ost_media_options media;
    bool json;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        OST_CLI_ADD_DRIVER_OPTIONS,
        {"output", required_argument, NULL, 'o'}, {"in-place", no_argument, NULL, 'I'},
        {"install-index", required_argument, NULL, 'x'}, {"boot-index", required_argument, NULL, 'B'},
        {"winpe-driver-folder", no_argument, NULL, 'W'}, {"split-above", required_argument, NULL, 'S'},
        {"winre", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    struct ost_media_options *m = &o->media;
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "media", .shortopts = "d:rusfnjL:o:h", .longopts = longopts, .repeatable = "dt"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        int used = ost_cli_add_driver_option("media", c, optarg, &m->driver, &o->json);
        if (used < 0)
            return OST_EXIT_ERROR;
        if (used)
            continue;
        switch (c) {
        case 'o': m->output = optarg; break;
        case 'I': m->in_place = true; break;
        case 'x': m->install_index = optarg; break;
        case 'B':
            if (!strcmp(optarg, "all"))
                m->boot_all = true;
            else if (strcmp(optarg, "2"))
                return ost_cli_usage_error("media", "--boot-index is 2 (Setup) or all (Windows PE and Setup), not "
                                           "'%s'", optarg);
            break;
        case 'W': m->winpe_driver_folder = true; break;
        case 'E': m->winre = true; break;
        case 'S':
            if (ost_cli_parse_uint("media", "--split-above", optarg, 4096, UINT64_C(1) << 40, &m->split_above))
                return OST_EXIT_ERROR;
            break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind == argc)
        return ost_cli_usage_error("media", "name the media: an ISO file or the folder of an extracted one");
    if (optind + 1 < argc)
        return ost_cli_usage_error("media", "one SOURCE only; unexpected '%s'", argv[optind + 1]);
    m->source = argv[optind];
    return ost_cli_add_driver_check("media", &m->driver);
}

static void print_part(const char *phase, const struct ost_media_part *p)
{
    if (!p->job)
        return;
    printf("== %s (%s): %s\n", p->rel, p->role, phase);
    if (!strcmp(p->role, "boot.wim"))
        ost_cli_add_driver_print_phase(p->job, "Setup", "when Windows Setup starts from the media");
    else if (!strcmp(p->role, "winre.wim"))
        ost_cli_add_driver_print_phase(p->job, "Windows RE", "when Windows RE starts");
    else
        ost_cli_add_driver_print(p->job);
}

static json_t *part_json(const char *phase, const struct ost_media_part *p)
{
    if (!p->job)
        return json_null();
    json_t *doc = ost_cli_add_driver_json(p->job);
    json_object_set_new(doc, "path", json_string(p->rel));
    json_object_set_new(doc, "phase", json_string(phase));
    return doc;
}

static const char install_phase[] = "first boot of the installed system";
static const char boot_phase[] = "Windows Setup (booted from the media's stores)";
static const char winre_phase[] = "Windows RE of the installed system";

static void report(const struct ost_media_job *j, bool json)
{
    const struct ost_media_options *o = &j->opts;
    bool dry = o->driver.dry_run || j->refused;
    if (json) {
        json_t *stores = json_array();
        for (size_t i = 0; i < 2; i++)
            if (j->stores[i])
                json_array_append_new(stores, json_string(j->stores[i]));
        json_t *winre = json_array();
        for (size_t i = 0; i < j->nwinre; i++)
            json_array_append_new(winre, j->winre[i].owner ? part_json(winre_phase, &j->winre[i].part)
                                                           : json_pack("{s:s, s:s}", "path", j->winre[i].part.rel,
                                                                       "same_as", j->winre[i].part.image_path));
        json_t *doc = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s, s:o, s:o, s:o, s:o, s:s?, s:o, s:o}", "schema",
                                "offstage.media/1", "result", dry ? (j->refused ? "refused" : "dry-run") : "serviced",
                                "source", o->source, "output", o->output, "in_place", o->in_place, "label", j->label,
                                "install", part_json(install_phase, &j->install), "boot",
                                part_json(boot_phase, &j->boot), "winre", winre, "media_stores", stores, "split",
                                j->split_note,
                                "boot_catalog", ost_strlist_json(&j->boot_report), "notes",
                                ost_strlist_json(&j->notes));
        ost_cli_print_json(doc);
        json_decref(doc);
        return;
    }
    printf("media %s (%s, label %s)\n", o->source, j->iso_source ? "ISO" : "folder", j->label);
    if (j->work)
        printf("  working copy: %s (removed at the end)\n", j->work);
    for (size_t i = 0; i < 2; i++)
        printf("  %s boot store: %s\n", i ? "UEFI" : "BIOS", j->stores[i] ? j->stores[i] : "none");
    print_part(install_phase, &j->install);
    print_part(boot_phase, &j->boot);
    for (size_t i = 0; i < j->nwinre; i++) {
        if (j->winre[i].owner)
            print_part(winre_phase, &j->winre[i].part);
        else
            printf("== %s: the same file as another edition's, serviced with it\n", j->winre[i].part.rel);
    }
    for (size_t i = 0; i < j->notes.n; i++)
        printf("note: %s\n", j->notes.v[i]);
    if (j->split_note)
        printf("note: %s\n", j->split_note);
    if (dry)
        printf("%s: nothing written\n", j->refused ? "refused" : "dry run");
    else if (o->output) {
        size_t entries = 0;
        for (size_t i = 0; i < j->boot_report.n; i++)
            entries += strncmp(j->boot_report.v[i], "El Torito boot img", 18) == 0;
        printf("wrote %s (%zu El Torito boot entr%s, read back with xorriso)\n", o->output, entries,
               entries == 1 ? "y" : "ies");
    }
    else
        printf("serviced %s in place\n", o->source);
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct ost_media_job *j = NULL;
    struct ost_error err;
    int rc = parse(argc, argv, &o);
    if (rc == 0 && !o.json && isatty(STDERR_FILENO))
        o.media.driver.progress = ost_cli_draw_progress;
    ost_status st = OST_OK;
    if (rc == 0)
        st = ost_media_plan(&o.media, &j, &err);
    if (rc == 0 && st == OST_OK)
        st = ost_media_apply(j, &err);
    if (rc == 0 && st == OST_OK)
        ost_media_verdicts(j);
    if (rc == 0 && st == OST_ERR_USAGE)
        rc = ost_cli_usage_error("media", "%s", err.message);
    else if (rc == 0 && st != OST_OK)
        rc = ost_cli_report_error("media", &err);
    if (rc == 0) {
        report(j, o.json);
        if (j->refused)
            rc = OST_EXIT_NEGATIVE;
    }
    ost_media_free(j);
    ost_strlist_free(&o.media.driver.drivers);
    ost_strlist_free(&o.media.driver.trust);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_media = {
    .name = "media",
    .summary = "stage packages into a whole Windows 7 install media (ISO or folder) and write a bootable ISO",
    .help = help,
    .run = run,
};
