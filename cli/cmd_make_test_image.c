/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage make-test-image: a stand-in offline Windows 7 SP1 tree. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage make-test-image --arch x86|amd64 [--edition NAME]\n"
    "                                [--with-device DEVICE]... [--state STATE] [--sha2-update STATE] DIR\n"
    "       offstage make-test-image --disk FILE [--format raw|qcow2|vpc|vhdx|vmdk]\n"
    "                                [--partitioning mbr|gpt] [--system-partition] [--json]\n"
    "                                --arch x86|amd64 [the options above]\n"
    "       offstage make-test-image --media DIR [--iso FILE] [--editions N] --arch x86|amd64\n"
    "                                [--with-device DEVICE]...\n"
    "\n"
    "Writes a skeleton offline Windows 7 SP1 installation to DIR, for trying\n"
    "offstage and for tests, since real Windows images cannot be shipped.\n"
    "\n"
    "IT IS NOT WINDOWS. It holds only what offstage reads and writes, with the\n"
    "names, types and layout Windows uses: SYSTEM and SOFTWARE hives (real regf\n"
    "files: version 6.1 build 7601 SP1, edition, PROCESSOR_ARCHITECTURE,\n"
    "Select, DevicePath = %SystemRoot%\\inf, a few inbox storage drivers in\n"
    "Services and the CriticalDeviceDatabase, empty certificate stores), a\n"
    "BCD-Template like Windows 7's (bootmgr and the settings objects, no loader:\n"
    "bcdboot creates it from {bootloadersettings}), stub ks.inf and\n"
    "wdmaudio.inf, and an ntoskrnl.exe PE stub of the right machine type.\n"
    "SOFTWARE\\offstage\\TestImage marks it.\n"
    "\n"
    "Options:\n"
    "  --arch A          x86 or amd64 (required).\n"
    "  --edition NAME    EditionID (default Ultimate; e.g. Professional).\n"
    "  --with-device VEN:DEV[:SUBSYS[:REV]][,cc=CLASS][,bound=SERVICE[,inf=oemN.inf]][,failed]\n"
    "                    add an Enum\\PCI devnode as Windows leaves it after a boot\n"
    "                    with the device present (repeatable): the hardware and\n"
    "                    compatible IDs the PCI bus driver reports (with cc=, the\n"
    "                    class code, e.g. 040100; virtio sound IDs get 040100).\n"
    "                    Alone: enumerated, not installed yet. bound=SERVICE: a\n"
    "                    driver is installed (Service, Driver, a MEDIA driver key\n"
    "                    whose InfPath is inf=, default oem0.inf). failed: no\n"
    "                    driver was found (ConfigFlags FAILEDINSTALL, Code 28).\n"
    "                    A Code 52 device looks like a bound one in the hive:\n"
    "                    Windows does not record that problem in SYSTEM.\n"
    "  --state STATE     what Setup has done, written where Windows keeps it\n"
    "                    (SOFTWARE ...\\Setup\\State ImageState, State.ini,\n"
    "                    SYSTEM\\Setup): installed (IMAGE_STATE_COMPLETE: boots\n"
    "                    from its system partition's BCD), generalized\n"
    "                    (IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE, Setup pending:\n"
    "                    install.wim), winpe (Control\\MiniNT: boot.wim), or none\n"
    "                    (the default: the image does not say).\n"
    "  --sha2-update installed|staged|absent\n"
    "                    record the SHA-2 code signing update in SOFTWARE's\n"
    "                    Component Based Servicing\\Packages: KB4474419\n"
    "                    installed (CurrentState 0x70), staged (0x40), or absent\n"
    "                    (other packages only). Default: no such key, so whether\n"
    "                    the image verifies SHA-256 signatures is unknown.\n"
    "\n"
    "Install media (--media DIR):\n"
    "  --media DIR       write a folder laid out like Windows 7 install media\n"
    "                    instead, for offstage media: sources\\install.wim with one\n"
    "                    generalized test image per edition (amd64: HomeBasic,\n"
    "                    HomePremium, Professional, Ultimate; x86 also Starter;\n"
    "                    LZX), sources\\boot.wim with a Windows PE and a Setup test\n"
    "                    image (boot index 2, the one Setup boots), the media boot\n"
    "                    stores boot\\BCD and (amd64) efi\\microsoft\\boot\\bcd (a\n"
    "                    \"Windows Setup\" loader booting boot.wim from a ramdisk,\n"
    "                    as on a real DVD), and stand-ins for boot\\etfsboot.com,\n"
    "                    boot\\boot.sdi, bootmgr and efi\\microsoft\\boot\\efisys.bin.\n"
    "                    --with-device devnodes go into every install image.\n"
    "                    IT IS NOT WINDOWS MEDIA: nothing on it boots.\n"
    "  --editions N      keep only the last N editions (default: all).\n"
    "  --iso FILE        also write the media as a bootable ISO, with the writer\n"
    "                    offstage media uses (xorriso; BIOS and, for amd64, UEFI\n"
    "                    El Torito entries; a retail DVD's volume label).\n"
    "\n"
    "A virtual disk (--disk FILE):\n"
    "  --disk FILE       write the tree onto a partitioned virtual disk instead,\n"
    "                    as an installed Windows (--state installed unless\n"
    "                    --state says otherwise). Each volume is made on its own\n"
    "                    (mkntfs with the partition's start as hidden sectors,\n"
    "                    filled through libwim's NTFS-3G apply; mkfs.fat and\n"
    "                    mtools for the ESP), the table written by sfdisk, then\n"
    "                    qemu-img converts it. No root, no mount. Needs mkntfs\n"
    "                    (ntfs-3g), sfdisk (fdisk), qemu-img (qemu-utils) but\n"
    "                    for raw, mkfs.fat (dosfstools) and mtools for GPT.\n"
    "  --format F        raw, qcow2 (the default), vpc (VHD, dynamic, the size\n"
    "                    kept exact), vhdx or vmdk (monolithicSparse).\n"
    "  --partitioning mbr|gpt\n"
    "                    the layout (default mbr):\n"
    "                    mbr: one active NTFS partition \"Windows\" (type 07)\n"
    "                      holding the tree and Boot\\BCD (BIOS: the Windows\n"
    "                      partition is the system partition); 256 MiB.\n"
    "                    mbr --system-partition: 1 active NTFS \"System\n"
    "                      Reserved\" (100 MiB, Boot\\BCD), 2 NTFS \"Windows\"\n"
    "                      (the tree); 320 MiB.\n"
    "                    gpt (a system partition always): 1 EFI system\n"
    "                      partition (FAT32 \"SYSTEM\", 100 MiB,\n"
    "                      EFI\\Microsoft\\Boot\\BCD), 2 Microsoft reserved\n"
    "                      (16 MiB, no file system), 3 NTFS \"Windows\" (the\n"
    "                      tree), 4 NTFS \"Recovery\" (32 MiB, type\n"
    "                      DE94BBA4-06D1-4D40-A16A-BFD50179D6AC); 352 MiB.\n"
    "                    Partitions are 1 MiB aligned; the files are sparse.\n"
    "  --system-partition  for mbr: the separate System Reserved partition.\n"
    "  --json            say what was made as JSON (offstage.test-disk/1).\n"
    "                    The boot store is the one bcdboot leaves: {bootmgr} on\n"
    "                    the system partition, its default a Windows Boot Loader\n"
    "                    for the Windows partition, testsigning not set.\n"
    "                    The BCD-Template stays in the tree, as on Windows.\n"
    "\n"
    "Every form:\n"
    "  --dry-run         say what would be written; write nothing. Refused where\n"
    "                    the run would be for its target (it exists, or its\n"
    "                    folder is not writable); the tools a disk needs are not\n"
    "                    looked for.\n"
    "  --quiet           print only the last line and errors.\n"
    "\n"
    "Examples:\n"
    "  offstage make-test-image --arch amd64 \\\n"
    "      --with-device 1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf \\\n"
    "      --with-device 1af4:1059:00191af4:00,failed \\\n"
    "      --with-device 1af4:1018:00191af4:00 img\n"
    "  offstage make-test-image --arch amd64 --disk win7.qcow2 --partitioning gpt\n"
    "\n"
    "DIR must not exist or be empty, FILE must not exist; on failure nothing is\n"
    "left behind.\n"
    "Exit status: 0 written; 2 error.\n";

static const char *size_text(uint64_t bytes, char buf[32])
{
    ost_format_into(buf, 32, "%llu MiB", (unsigned long long)(bytes >> 20));
    return buf;
}

static void print_disk(const char *file, const struct ost_test_image_options *o, const struct ost_test_disk_options *d,
                       const struct ost_test_disk_result *r, bool json)
{
    const char *edition = o->edition ? o->edition : "Ultimate";
    const char *layout = d->partitioning == OST_TEST_DISK_GPT ? "gpt" : "mbr";
    if (json) {
        json_t *parts = json_array();
        for (unsigned i = 0; i < r->npartitions; i++) {
            const struct ost_test_disk_partition *p = &r->partitions[i];
            json_array_append_new(parts, json_pack("{s:i, s:I, s:I, s:s, s:s, s:o, s:o, s:b, s:o}", "number",
                                                   (int)p->number, "start", (json_int_t)p->start, "size",
                                                   (json_int_t)p->size, "type", p->type, "role", p->role,
                                                   "filesystem", ost_json_str(p->filesystem), "label",
                                                   ost_json_str(p->label), "active", p->active, "holds",
                                                   ost_json_str(p->holds)));
        }
        json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:i, s:i, s:s, s:s, s:s, s:s, s:i}",
                                "schema", "offstage.test-disk/1", "file", file, "format", r->format, "size",
                                (json_int_t)r->size, "partitioning", layout, "disk_id", r->disk_id, "partitions",
                                parts, "system_partition", (int)r->system_partition, "windows_partition",
                                (int)r->windows_partition, "boot_store", r->boot_store, "edition", edition, "arch",
                                ost_arch_name(o->arch), "state", ost_test_image_state_name(o->state), "devices",
                                (int)o->ndevices);
        ost_cli_print_json(doc);
        json_decref(doc);
        return;
    }
    char sz[32];
    printf("%s: %s disk, %s, %s (%s %s), Windows 7 %s SP1 %s test image (not Windows: a test tree), %s, %zu "
           "device%s\n",
           file, r->format, size_text(r->size, sz), d->partitioning == OST_TEST_DISK_GPT ? "GPT" : "MBR",
           d->partitioning == OST_TEST_DISK_GPT ? "disk GUID" : "signature", r->disk_id, edition,
           ost_arch_name(o->arch), ost_test_image_state_name(o->state), o->ndevices, o->ndevices == 1 ? "" : "s");
    for (unsigned i = 0; i < r->npartitions; i++) {
        const struct ost_test_disk_partition *p = &r->partitions[i];
        char st[32];
        printf("  partition %u: %s%s, type %s, %s%s%s%s, start %s (sector %llu), %s%s%s\n", p->number, p->role,
               p->active ? " (active)" : "", p->type, p->filesystem ? p->filesystem : "no file system",
               p->label ? " \"" : "", p->label ? p->label : "", p->label ? "\"" : "", size_text(p->start, st),
               (unsigned long long)(p->start / 512), size_text(p->size, sz), p->holds ? ": " : "",
               p->holds ? p->holds : "");
    }
    printf("  boot store: partition %u, %s (testsigning not set); Windows: partition %u\n", r->system_partition,
           r->boot_store, r->windows_partition);
}

/* --dry-run: refused where the run would be refused for its target, and
 * else says what it would write. */
static int dry_run_report(const char *path, bool empty_dir_ok, const char *what, const char *iso)
{
    struct ost_error err;
    if (ost_test_target_check(path, empty_dir_ok, &err) != OST_OK)
        return ost_cli_report_error("make-test-image", &err);
    printf("would write %s: a %s (not Windows)\n", path, what);
    if (iso)
        printf("would write %s: the same media as a bootable ISO\n", iso);
    printf("dry run: nothing was written\n");
    return OST_EXIT_OK;
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"arch", required_argument, NULL, 'a'}, {"edition", required_argument, NULL, 'e'},
        {"with-device", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {"state", required_argument, NULL, 's'}, {"sha2-update", required_argument, NULL, 'u'},
        {"disk", required_argument, NULL, 'D'}, {"format", required_argument, NULL, 'f'},
        {"partitioning", required_argument, NULL, 'p'}, {"system-partition", no_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'}, {"media", required_argument, NULL, 'M'},
        {"editions", required_argument, NULL, 'E'}, {"iso", required_argument, NULL, 'O'},
        {"dry-run", no_argument, NULL, 'n'},        {0, 0, 0, 0},
    };
    struct ost_test_disk_options disk = {0};
    const char *disk_file = NULL, *media_dir = NULL, *iso = NULL;
    uint64_t editions = 0;
    bool state_given = false, json = false, disk_only = false, dry_run = false;
    struct ost_test_image_options o = {0};
    struct ost_test_device *devices = NULL;
    size_t cap = 0;
    struct ost_error err;
    int c, rc = OST_EXIT_OK;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "make-test-image", .shortopts = "a:e:d:s:u:h",
                               .longopts = longopts, .repeatable = "d"};
    while (rc == OST_EXIT_OK && (c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'a':
            o.arch = ost_arch_parse(optarg);
            if (o.arch != OST_ARCH_X86 && o.arch != OST_ARCH_AMD64)
                rc = ost_cli_usage_error("make-test-image", "--arch is x86 or amd64, not '%s'", optarg);
            break;
        case 'e': o.edition = optarg; break;
        case 'n': dry_run = true; break;
        case 'D': disk_file = optarg; break;
        case 'M': media_dir = optarg; break;
        case 'O': iso = optarg; break;
        case 'E':
            if (!ost_parse_uint(optarg, 1, 5, &editions))
                rc = ost_cli_usage_error("make-test-image", "--editions is a number from 1 to 5, not '%s'", optarg);
            break;
        case 'f': disk.format = optarg, disk_only = true; break;
        case 'p':
            disk_only = true;
            if (!strcmp(optarg, "gpt"))
                disk.partitioning = OST_TEST_DISK_GPT;
            else if (strcmp(optarg, "mbr"))
                rc = ost_cli_usage_error("make-test-image", "--partitioning is mbr or gpt, not '%s'", optarg);
            break;
        case 'S': disk.system_partition = true, disk_only = true; break;
        case 'j': json = true, disk_only = true; break;
        case 's':
            state_given = true;
            if (!ost_test_image_state_parse(optarg, &o.state))
                rc = ost_cli_usage_error("make-test-image", "--state is installed, generalized, winpe or none, "
                                         "not '%s'", optarg);
            break;
        case 'd':
            ost_grow(&devices, &cap, o.ndevices + 1, sizeof *devices);
            if (ost_test_device_parse(optarg, &devices[o.ndevices], &err) != OST_OK)
                rc = ost_cli_usage_error("make-test-image", "%s", err.message);
            o.ndevices++;
            break;
        case 'u':
            o.sha2_update = !strcmp(optarg, "installed") ? OST_TEST_SHA2_INSTALLED
                            : !strcmp(optarg, "staged")  ? OST_TEST_SHA2_STAGED
                            : !strcmp(optarg, "absent")  ? OST_TEST_SHA2_ABSENT
                                                         : OST_TEST_SHA2_UNRECORDED;
            if (!o.sha2_update)
                rc = ost_cli_usage_error("make-test-image", "--sha2-update is installed, staged or absent, not '%s'",
                                         optarg);
            break;
        case 'h': fputs(help, stdout); free(devices); return OST_EXIT_OK;
        default: rc = OST_EXIT_ERROR;
        }
    }
    if (rc == OST_EXIT_OK && !o.arch)
        rc = ost_cli_usage_error("make-test-image", "--arch x86 or --arch amd64 is required");
    if (rc == OST_EXIT_OK && disk_only && !disk_file)
        rc = ost_cli_usage_error("make-test-image", "--format, --partitioning, --system-partition and --json "
                                 "are for --disk FILE");
    if (rc == OST_EXIT_OK && media_dir && (disk_file || disk_only || state_given || o.edition || o.sha2_update))
        rc = ost_cli_usage_error("make-test-image", "--media DIR takes --arch, --editions and --with-device only");
    if (rc == OST_EXIT_OK && (editions || iso) && !media_dir)
        rc = ost_cli_usage_error("make-test-image", "--editions and --iso are for --media DIR");
    if (rc == OST_EXIT_OK && media_dir && optind != argc)
        rc = ost_cli_usage_error("make-test-image", "--media DIR names what to write; no DIR besides");
    if (rc == OST_EXIT_OK && media_dir && dry_run) {
        free(devices);
        return dry_run_report(media_dir, false, "Windows 7 SP1 install media stand-in", iso);
    }
    if (rc == OST_EXIT_OK && media_dir) {
        struct ost_test_media_options mo = {.arch = o.arch, .editions = (size_t)editions, .iso = iso,
                                            .devices = devices, .ndevices = o.ndevices};
        if (ost_make_test_media(media_dir, &mo, &err) != OST_OK)
            rc = ost_cli_report_error("make-test-image", &err);
        else
            printf("%s: Windows 7 SP1 %s install media stand-in (not Windows): sources\\install.wim, "
                   "sources\\boot.wim (boot index 2), boot\\BCD%s\n",
                   media_dir, ost_arch_name(o.arch), o.arch == OST_ARCH_AMD64 ? ", efi\\microsoft\\boot\\bcd" : "");
        if (rc == OST_EXIT_OK && iso)
            printf("%s: the same media as a bootable ISO (not Windows)\n", iso);
        free(devices);
        return rc;
    }
    if (rc == OST_EXIT_OK && disk_file && optind != argc)
        rc = ost_cli_usage_error("make-test-image", "--disk FILE names what to write; no DIR besides");
    if (rc == OST_EXIT_OK && !disk_file && optind != argc - 1)
        rc = ost_cli_usage_error("make-test-image", "name one directory to create");
    if (rc == OST_EXIT_OK && dry_run) {
        free(devices);
        if (disk_file && ost_test_disk_check(disk_file, &disk, &err) != OST_OK)
            return ost_cli_report_error("make-test-image", &err);
        return disk_file ? dry_run_report(disk_file, false, "virtual disk with a Windows 7 test image", NULL)
                         : dry_run_report(argv[optind], true, "Windows 7 test image", NULL);
    }
    if (rc == OST_EXIT_OK && disk_file) {
        struct ost_test_disk_result made;
        o.devices = devices;
        if (!state_given)
            o.state = OST_TEST_STATE_INSTALLED;
        if (ost_make_test_disk(disk_file, &o, &disk, &made, &err) != OST_OK)
            rc = ost_cli_report_error("make-test-image", &err);
        else
            print_disk(disk_file, &o, &disk, &made, json);
    } else if (rc == OST_EXIT_OK) {
        o.devices = devices;
        if (ost_make_test_image(argv[optind], &o, &err) != OST_OK)
            rc = ost_cli_report_error("make-test-image", &err);
        else
            printf("%s: Windows 7 %s SP1 %s test image (not Windows), %zu device%s\n", argv[optind],
                   o.edition ? o.edition : "Ultimate", ost_arch_name(o.arch), o.ndevices, o.ndevices == 1 ? "" : "s");
    }
    free(devices);
    return rc;
}

const struct ost_command ost_cmd_make_test_image = {
    .name = "make-test-image",
    .summary = "write a stand-in offline Windows 7 tree (not Windows) for trials and tests",
    .help = help,
    .run = run,
};
