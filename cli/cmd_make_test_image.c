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
    "Examples:\n"
    "  offstage make-test-image --arch amd64 \\\n"
    "      --with-device 1af4:1059:00191af4:01,bound=aeroviosnd,inf=oem3.inf \\\n"
    "      --with-device 1af4:1059:00191af4:00,failed \\\n"
    "      --with-device 1af4:1018:00191af4:00 img\n"
    "\n"
    "DIR must not exist or be empty; on failure nothing is left behind.\n"
    "Exit status: 0 written; 2 error.\n";

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"arch", required_argument, NULL, 'a'}, {"edition", required_argument, NULL, 'e'},
        {"with-device", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
        {"state", required_argument, NULL, 's'}, {"sha2-update", required_argument, NULL, 'u'}, {0, 0, 0, 0},
    };
    struct ost_test_image_options o = {0};
    struct ost_test_device *devices = NULL;
    size_t cap = 0;
    struct ost_error err;
    int c, rc = OST_EXIT_OK;
    optind = 1;
    while (rc == OST_EXIT_OK && (c = getopt_long(argc, argv, "a:e:d:s:u:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o.arch = ost_arch_parse(optarg);
            if (o.arch != OST_ARCH_X86 && o.arch != OST_ARCH_AMD64)
                rc = ost_cli_usage_error("make-test-image", "--arch is x86 or amd64, not '%s'", optarg);
            break;
        case 'e': o.edition = optarg; break;
        case 's':
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
        default: rc = ost_cli_usage_error("make-test-image", "unknown option");
        }
    }
    if (rc == OST_EXIT_OK && !o.arch)
        rc = ost_cli_usage_error("make-test-image", "--arch x86 or --arch amd64 is required");
    if (rc == OST_EXIT_OK && optind != argc - 1)
        rc = ost_cli_usage_error("make-test-image", "name one directory to create");
    if (rc == OST_EXIT_OK) {
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
