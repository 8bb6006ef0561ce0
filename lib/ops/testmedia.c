/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wimlib.h>

#include "fileutil.h"
#include "iso.h"
#include "util.h"

/* The editions of a retail Windows 7 SP1 DVD, in its install.wim's order
 * (x64 media carry no Starter). */
static const char *const editions_x86[] = {"Starter", "HomeBasic", "HomePremium", "Professional", "Ultimate"};
static const char *const editions_amd64[] = {"HomeBasic", "HomePremium", "Professional", "Ultimate"};

static ost_status wim_fail(const char *path, const char *step, int r, struct ost_error *err)
{
    return ost_fail(err, OST_ERR_IO, "%s: %s: %s", path, step, wimlib_get_error_string((enum wimlib_error_code)r));
}

/* Captures each tree as one image of a new LZX WIM at path, named and
 * flagged as Windows media name theirs; boot_index 0 for none. */
static ost_status capture(const char *path, char *const *trees, const char *const *names, const char *const *flags,
                          size_t n, int boot_index, struct ost_error *err)
{
    wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE);
    WIMStruct *w = NULL;
    int r = wimlib_create_new_wim(WIMLIB_COMPRESSION_TYPE_LZX, &w);
    if (r != 0)
        return wim_fail(path, "cannot start a WIM", r, err);
    for (size_t i = 0; i < n && r == 0; i++) {
        r = wimlib_add_image(w, trees[i], names[i], NULL, 0);
        if (r == 0 && flags && flags[i])
            r = wimlib_set_image_property(w, (int)i + 1, "FLAGS", flags[i]);
        if (r == 0)
            r = wimlib_set_image_property(w, (int)i + 1, "DESCRIPTION", names[i]);
    }
    if (r == 0 && boot_index) {
        struct wimlib_wim_info info = {.boot_index = (uint32_t)boot_index};
        r = wimlib_set_wim_info(w, &info, WIMLIB_CHANGE_BOOT_INDEX);
    }
    if (r == 0)
        r = wimlib_write(w, path, WIMLIB_ALL_IMAGES, 0, 0);
    wimlib_free(w);
    return r == 0 ? OST_OK : wim_fail(path, "cannot write the WIM", r, err);
}

static ost_status write_bytes(const char *root, const char *rel, const void *data, size_t n, struct ost_error *err)
{
    char *path = ost_path_join(root, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ost_status st = OST_OK;
    if (fd < 0 || ost_write_all(fd, data, n) != 0 || close(fd) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    free(path);
    return st;
}

/* A stand-in for a boot program or image the firmware loads: its bytes
 * say what it stands for. */
static ost_status write_stand_in(const char *root, const char *rel, size_t size, struct ost_error *err)
{
    uint8_t *b = ost_xcalloc(1, size);
    snprintf((char *)b, size, "offstage make-test-image --media: a stand-in for %s, NOT the Windows file\n", rel);
    ost_status st = write_bytes(root, rel, b, size, err);
    free(b);
    return st;
}

static ost_status make_dirs(const char *root, const char *const *dirs, size_t n, struct ost_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char *p = ost_path_join(root, dirs[i]);
        int r = mkdir(p, 0755), e = errno;
        free(p);
        if (r != 0)
            return ost_fail(err, OST_ERR_IO, "%s/%s: cannot create: %s", root, dirs[i], strerror(e));
    }
    return OST_OK;
}

static const char media_readme[] =
    "This folder was written by offstage make-test-image --media.\r\n"
    "IT IS NOT WINDOWS: it has the layout of Windows 7 install media (sources\\install.wim,\r\n"
    "sources\\boot.wim with Setup at index 2, boot\\BCD, efi\\microsoft\\boot\\bcd), with\r\n"
    "stand-ins for the boot programs, for trying offstage media and for tests.\r\n";

static ost_status build_media(const char *root, const struct ost_test_media_options *o, struct ost_error *err)
{
    bool x64 = o->arch == OST_ARCH_AMD64;
    const char *const *editions = x64 ? editions_amd64 : editions_x86;
    size_t nall = x64 ? sizeof editions_amd64 / sizeof *editions_amd64 : sizeof editions_x86 / sizeof *editions_x86;
    size_t n = o->editions && o->editions < nall ? o->editions : nall;
    static const char *const dirs[] = {"sources", "boot", "efi", "efi/microsoft", "efi/microsoft/boot", ".trees"};
    ost_status st = make_dirs(root, dirs, x64 ? 6 : 2, err);
    if (st == OST_OK && !x64)
        st = make_dirs(root, dirs + 5, 1, err);
    char *trees = ost_path_join(root, ".trees");
    char *paths[8] = {0};
    const char *names[8] = {0};
    char *owned_names[8] = {0};
    /* Windows RE, as each edition carries it: one WIM of one Windows PE
     * image, boot index 1, the same bytes in every edition */
    char *re_tree = ost_xasprintf("%s/winre", trees), *re_wim = ost_xasprintf("%s/winre.wim", trees);
    if (st == OST_OK) {
        struct ost_test_image_options io = {.arch = o->arch, .state = OST_TEST_STATE_WINPE, .edition = "WindowsPE"};
        st = ost_make_test_image(re_tree, &io, err);
    }
    char *re_name = ost_xstrdup(x64 ? "Microsoft Windows Recovery Environment (x64)"
                                    : "Microsoft Windows Recovery Environment (x86)");
    if (st == OST_OK)
        st = capture(re_wim, &re_tree, (const char *const *)&re_name, NULL, 1, 1, err);
    free(re_name);
    /* install.wim: the last n editions, generalized as Setup leaves them */
    for (size_t i = 0; i < n && st == OST_OK; i++) {
        const char *ed = editions[nall - n + i];
        paths[i] = ost_xasprintf("%s/install%zu", trees, i + 1);
        struct ost_test_image_options io = {.arch = o->arch, .state = OST_TEST_STATE_GENERALIZED, .edition = ed,
                                            .devices = o->devices, .ndevices = o->ndevices};
        st = ost_make_test_image(paths[i], &io, err);
        char *recovery = ost_path_join(paths[i], "Windows/System32/Recovery");
        char *winre = ost_path_join(recovery, "winre.wim");
        if (st == OST_OK && mkdir(recovery, 0755) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", recovery, strerror(errno));
        if (st == OST_OK)
            st = ost_copy_file(re_wim, winre, err);
        free(recovery), free(winre);
        names[i] = owned_names[i] = ost_xasprintf("Windows 7 %s", ed);
        for (char *c = owned_names[i] + 10; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
    }
    char *install = ost_path_join(root, "sources/install.wim");
    if (st == OST_OK)
        st = capture(install, paths, names, editions + (nall - n), n, 0, err);
    /* boot.wim: Windows PE, then Windows Setup (the boot index) */
    char *boot_trees[2] = {ost_xasprintf("%s/pe", trees), ost_xasprintf("%s/setup", trees)};
    const char *boot_names[2] = {x64 ? "Microsoft Windows PE (x64)" : "Microsoft Windows PE (x86)",
                                 x64 ? "Microsoft Windows Setup (x64)" : "Microsoft Windows Setup (x86)"};
    for (size_t i = 0; i < 2 && st == OST_OK; i++) {
        struct ost_test_image_options io = {.arch = o->arch, .state = OST_TEST_STATE_WINPE, .edition = "WindowsPE"};
        st = ost_make_test_image(boot_trees[i], &io, err);
    }
    if (st == OST_OK) {
        char *sources = ost_path_join(boot_trees[1], "sources");
        char *setup = ost_path_join(sources, "setup.exe");
        if (mkdir(sources, 0755) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", sources, strerror(errno));
        else
            st = ost_write_pe_stub(setup, o->arch, err);
        free(sources), free(setup);
    }
    char *bootwim = ost_path_join(root, "sources/boot.wim");
    if (st == OST_OK)
        st = capture(bootwim, boot_trees, boot_names, NULL, 2, 2, err);
    char *bios = ost_path_join(root, "boot/BCD"), *uefi = ost_path_join(root, "efi/microsoft/boot/bcd");
    if (st == OST_OK)
        st = ost_write_test_media_store(bios, false, err);
    if (st == OST_OK && x64)
        st = ost_write_test_media_store(uefi, true, err);
    /* El Torito loads 8 sectors of etfsboot.com; efisys.bin is a floppy image */
    if (st == OST_OK)
        st = write_stand_in(root, "boot/etfsboot.com", 4096, err);
    if (st == OST_OK)
        st = write_stand_in(root, "boot/boot.sdi", 4096, err);
    if (st == OST_OK)
        st = write_stand_in(root, "bootmgr", 4096, err);
    if (st == OST_OK && x64)
        st = write_stand_in(root, "efi/microsoft/boot/efisys.bin", 1474560, err);
    if (st == OST_OK) {
        char *setup = ost_path_join(root, "setup.exe");
        st = ost_write_pe_stub(setup, o->arch, err);
        free(setup);
    }
    if (st == OST_OK)
        st = write_bytes(root, "offstage-test-media.txt", media_readme, sizeof media_readme - 1, err);
    if (st == OST_OK)
        ost_rm_rf(trees);
    for (size_t i = 0; i < 8; i++)
        free(paths[i]), free(owned_names[i]);
    free(boot_trees[0]), free(boot_trees[1]);
    free(trees), free(install), free(bootwim), free(bios), free(uefi), free(re_tree), free(re_wim);
    return st;
}

ost_status ost_make_test_media(const char *dir, const struct ost_test_media_options *o, struct ost_error *err)
{
    if (o->arch != OST_ARCH_X86 && o->arch != OST_ARCH_AMD64)
        return ost_fail(err, OST_ERR_USAGE, "test media are x86 or amd64");
    ost_status checked = ost_test_target_check(dir, false, err);
    if (checked != OST_OK)
        return checked;
    char *tmp = ost_xasprintf("%s.tmp-XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        ost_status st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    ost_status st = build_media(tmp, o, err);
    if (st == OST_OK && o->iso) {
        /* with the writer offstage media uses, under the label of a retail
         * Windows 7 SP1 DVD */
        struct ost_iso_boot boot = {.bios = "boot/etfsboot.com",
                                    .uefi = o->arch == OST_ARCH_AMD64 ? "efi/microsoft/boot/efisys.bin" : NULL};
        char *partial = ost_xasprintf("%s.partial", tmp);
        st = ost_iso_write(tmp, o->arch == OST_ARCH_AMD64 ? "GRMCULXFRER_EN_DVD" : "GRMCULFRER_EN_DVD", &boot,
                           partial, err);
        if (st == OST_OK)
            st = ost_rename_into_place(partial, o->iso, err);
        unlink(partial);
        free(partial);
    }
    if (st == OST_OK && chmod(tmp, 0755) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: %s", tmp, strerror(errno));
    if (st == OST_OK && rename(tmp, dir) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    if (st != OST_OK)
        ost_rm_rf(tmp);
    free(tmp);
    return st;
}
