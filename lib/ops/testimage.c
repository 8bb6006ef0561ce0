/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testimage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hive.h"
#include "pe.h"
#include "regf.h"
#include "util.h"
#include "fileutil.h"

#define CLASS_HDC "{4D36E96A-E325-11CE-BFC1-08002BE10318}"
#define CLASS_SCSI "{4D36E97B-E325-11CE-BFC1-08002BE10318}"
#define CLASS_MEDIA "{4d36e96c-e325-11ce-bfc1-08002be10318}"

/* ---- writing helpers that keep the first error ------------------------------ */

struct hb {
    struct ost_hive *h;
    struct ost_error *err;
    ost_status st;
};

static ost_hkey key(struct hb *b, ost_hkey from, const char *path)
{
    ost_hkey k = 0;
    if (b->st == OST_OK)
        b->st = ost_hive_create_key(b->h, from, path, &k, b->err);
    return k;
}

static void sz(struct hb *b, ost_hkey k, const char *name, uint32_t type, const char *v)
{
    if (b->st == OST_OK)
        b->st = ost_hive_set_string(b->h, k, name, type, v, b->err);
}

static void dw(struct hb *b, ost_hkey k, const char *name, uint32_t v)
{
    if (b->st == OST_OK)
        b->st = ost_hive_set_dword(b->h, k, name, v, b->err);
}

static void msz(struct hb *b, ost_hkey k, const char *name, const struct ost_strlist *v)
{
    if (b->st == OST_OK)
        b->st = ost_hive_set_multi_string(b->h, k, name, v, b->err);
}

static ost_status new_hive(const char *path, const char *root, struct hb *b, struct ost_error *err)
{
    b->err = err;
    b->h = NULL;
    b->st = ost_regf_write_empty(path, root, err);
    if (b->st == OST_OK) {
        struct ost_hive_open_options o = {.writable = true};
        b->st = ost_hive_open(path, &o, &b->h, err);
    }
    return b->st;
}

static ost_status finish_hive(struct hb *b, const char *path)
{
    if (b->st == OST_OK)
        b->st = ost_hive_save(b->h, path, b->err);
    ost_hive_close(b->h);
    return b->st;
}

/* ---- SYSTEM ----------------------------------------------------------------- */

struct inbox_service {
    const char *name, *image, *group, *hwid, *class_guid;
    uint32_t start;
};

/* A few inbox boot-critical storage drivers, as Windows 7 installs them;
 * their CriticalDeviceDatabase entries carry no DriverPackageId, as the
 * preinstalled ones of a real Windows 7 SYSTEM hive (intelide, i8042prt). */
static const struct inbox_service inbox[] = {
    {"pciide", "system32\\drivers\\pciide.sys", "Boot Bus Extender", "pci#cc_0101", CLASS_HDC, 0},
    {"intelide", "system32\\drivers\\intelide.sys", "System Bus Extender", "pci#ven_8086&dev_7111", CLASS_HDC, 0},
    {"LSI_SCSI", "system32\\drivers\\lsi_scsi.sys", "SCSI miniport", "pci#ven_1000&dev_0030", CLASS_SCSI, 0},
};

/* The n-th device's (0-based) instance ID: PCI slot n + 3 of bus 0. */
static char *test_image_instance_id(size_t n)
{
    return ost_xasprintf("3&267a616a&0&%02zX", (n + 3) * 8);
}

/* The software key Windows writes when it installs a driver on the device. */
static void bind_device(struct hb *b, ost_hkey cs, ost_hkey dev, const struct ost_test_device *d,
                        const char *matching_id, unsigned *next_driver)
{
    const char *inf = d->inf[0] ? d->inf : "oem0.inf";
    char *driver = ost_xasprintf("%s\\%04u", CLASS_MEDIA, (*next_driver)++);
    char *desc = ost_xasprintf("@%s,%%%s.devicedesc%%;%s device", inf, d->service, d->service);
    char *mfg = ost_xasprintf("@%s,%%mfg%%;Test Provider", inf);
    sz(b, dev, "Service", OST_REG_SZ, d->service);
    sz(b, dev, "Driver", OST_REG_SZ, driver);
    sz(b, dev, "ClassGUID", OST_REG_SZ, CLASS_MEDIA);
    sz(b, dev, "Class", OST_REG_SZ, "MEDIA");
    sz(b, dev, "DeviceDesc", OST_REG_SZ, desc);
    sz(b, dev, "Mfg", OST_REG_SZ, mfg);
    dw(b, dev, "ConfigFlags", 0);
    char *class_path = ost_xasprintf("Control\\Class\\%s", driver);
    ost_hkey drv = key(b, cs, class_path);
    char *lower_id = ost_xstrdup(matching_id);
    ost_str_lower(lower_id);
    sz(b, drv, "InfPath", OST_REG_SZ, inf);
    sz(b, drv, "InfSection", OST_REG_SZ, d->service);
    sz(b, drv, "ProviderName", OST_REG_SZ, "Test Provider");
    sz(b, drv, "DriverVersion", OST_REG_SZ, "1.0.0.0");
    sz(b, drv, "DriverDate", OST_REG_SZ, "1-1-2024");
    sz(b, drv, "DriverDesc", OST_REG_SZ, desc + strcspn(desc, ";") + 1);
    sz(b, drv, "MatchingDeviceId", OST_REG_SZ, lower_id);
    char *svc_path = ost_xasprintf("services\\%s", d->service);
    if (!ost_hive_key(b->h, cs, svc_path)) {
        char *image = ost_xasprintf("system32\\DRIVERS\\%s.sys", d->service);
        ost_hkey svc = key(b, cs, svc_path);
        dw(b, svc, "Type", 1), dw(b, svc, "Start", 3), dw(b, svc, "ErrorControl", 1);
        sz(b, svc, "ImagePath", OST_REG_EXPAND_SZ, image);
        free(image);
    }
    free(driver), free(desc), free(mfg), free(class_path), free(lower_id), free(svc_path);
}

static void add_device(struct hb *b, ost_hkey cs, ost_hkey enum_pci, const struct ost_test_device *d, size_t n,
                       unsigned *next_driver)
{
    struct ost_device_ids ids = {0};
    ost_pci_expand(&d->pci, &ids);
    /* The devnode's key is the most specific hardware ID without "PCI\". */
    char *id = ost_xstrdup(ids.hardware_ids.v[0] + 4);
    char *inst = test_image_instance_id(n);
    char *path = ost_xasprintf("%s\\%s", id, inst);
    ost_hkey k = key(b, enum_pci, path);
    msz(b, k, "HardwareID", &ids.hardware_ids);
    msz(b, k, "CompatibleIDs", &ids.compatible_ids);
    char *loc = ost_xasprintf("PCI bus 0, device %zu, function 0", n + 3);
    sz(b, k, "LocationInformation", OST_REG_SZ, loc);
    dw(b, k, "Capabilities", 0);
    dw(b, k, "UINumber", (uint32_t)(n + 3));
    if (d->service[0])
        bind_device(b, cs, k, d, ids.hardware_ids.v[0], next_driver);
    else if (d->failed)
        dw(b, k, "ConfigFlags", 0x40); /* CONFIGFLAG_FAILEDINSTALL: no driver found */
    free(loc), free(path), free(inst), free(id);
    ost_device_ids_free(&ids);
}

static bool option_value(const char *opt, const char *name, char *out, size_t size, struct ost_error *err,
                         ost_status *st)
{
    size_t n = strlen(name);
    if (strncmp(opt, name, n) != 0 || opt[n] != '=')
        return false;
    const char *v = opt + n + 1;
    if (!*v || strlen(v) >= size || strpbrk(v, "\\/%,;@"))
        *st = ost_fail(err, OST_ERR_USAGE, "--with-device: '%s': %s wants a plain name (under %zu characters)", opt,
                       name, size);
    else
        memcpy(out, v, strlen(v) + 1);
    return true;
}

static ost_status parse_device_option(const char *opt, struct ost_test_device *out, struct ost_error *err)
{
    ost_status st = OST_OK;
    char cc[8] = "";
    if (option_value(opt, "bound", out->service, sizeof out->service, err, &st) ||
        option_value(opt, "inf", out->inf, sizeof out->inf, err, &st))
        return st;
    if (option_value(opt, "cc", cc, sizeof cc, err, &st))
        return st == OST_OK ? ost_pci_class_parse(cc, &out->pci, err) : st;
    if (!strcmp(opt, "failed")) {
        out->failed = true;
        return OST_OK;
    }
    return ost_fail(err, OST_ERR_USAGE, "--with-device: unknown option '%s' (cc=, bound=, inf=, failed)", opt);
}

ost_status ost_test_device_parse(const char *spec, struct ost_test_device *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    char *copy = ost_xstrdup(spec);
    char *save = NULL, *part = strtok_r(copy, ",", &save);
    ost_status st = ost_pci_identity_parse(part ? part : "", &out->pci, err);
    while (st == OST_OK && (part = strtok_r(NULL, ",", &save)) != NULL)
        st = parse_device_option(part, out, err);
    if (st == OST_OK)
        ost_pci_default_class(&out->pci);
    if (st == OST_OK && out->inf[0] && !out->service[0])
        st = ost_fail(err, OST_ERR_USAGE, "--with-device %s: inf= needs bound=SERVICE", spec);
    if (st == OST_OK && out->inf[0] && !ost_has_suffix_ci(out->inf, ".inf"))
        st = ost_fail(err, OST_ERR_USAGE, "--with-device %s: inf= names a published INF, e.g. oem3.inf", spec);
    if (st == OST_OK && out->failed && out->service[0])
        st = ost_fail(err, OST_ERR_USAGE, "--with-device %s: a device is either bound or failed", spec);
    free(copy);
    return st;
}

static ost_status build_system(const char *path, const struct ost_test_image_options *o, struct ost_error *err)
{
    struct hb b;
    if (new_hive(path, "SYSTEM", &b, err) != OST_OK)
        return finish_hive(&b, path);
    ost_hkey sel = key(&b, 0, "Select");
    dw(&b, sel, "Current", 1), dw(&b, sel, "Default", 1), dw(&b, sel, "Failed", 0), dw(&b, sel, "LastKnownGood", 1);
    ost_hkey cs = key(&b, 0, "ControlSet001");
    ost_hkey env = key(&b, cs, "Control\\Session Manager\\Environment");
    sz(&b, env, "PROCESSOR_ARCHITECTURE", OST_REG_SZ, o->arch == OST_ARCH_X86 ? "x86" : "AMD64");
    sz(&b, env, "NUMBER_OF_PROCESSORS", OST_REG_SZ, "1");
    sz(&b, env, "OS", OST_REG_SZ, "Windows_NT");
    for (size_t i = 0; i < sizeof inbox / sizeof inbox[0]; i++) {
        const struct inbox_service *s = &inbox[i];
        char *cdd_path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", s->hwid);
        ost_hkey cdd = key(&b, cs, cdd_path);
        sz(&b, cdd, "Service", OST_REG_SZ, s->name);
        sz(&b, cdd, "ClassGUID", OST_REG_SZ, s->class_guid);
        char *svc_path = ost_xasprintf("services\\%s", s->name);
        ost_hkey svc = key(&b, cs, svc_path);
        dw(&b, svc, "Type", 1), dw(&b, svc, "Start", s->start), dw(&b, svc, "ErrorControl", 3);
        sz(&b, svc, "ImagePath", OST_REG_EXPAND_SZ, s->image);
        sz(&b, svc, "Group", OST_REG_SZ, s->group);
        free(cdd_path), free(svc_path);
    }
    ost_hkey media = key(&b, cs, "Control\\Class\\" CLASS_MEDIA);
    sz(&b, media, "", OST_REG_SZ, "Sound, video and game controllers");
    sz(&b, media, "Class", OST_REG_SZ, "MEDIA");
    ost_hkey enum_pci = key(&b, cs, "Enum\\PCI");
    unsigned next_driver = 0;
    for (size_t i = 0; i < o->ndevices; i++)
        add_device(&b, cs, enum_pci, &o->devices[i], i, &next_driver);
    key(&b, cs, "Enum\\Root");
    return finish_hive(&b, path);
}

/* ---- SOFTWARE ----------------------------------------------------------------- */

/* Names as Windows Update writes them: package~public key token~arch~~version. */
static void servicing_packages(struct hb *b, const struct ost_test_image_options *o)
{
    ost_hkey packages = key(b, 0, "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages");
    const char *arch = o->arch == OST_ARCH_X86 ? "x86" : "amd64";
    char *sp1 = ost_xasprintf("Package_for_KB976902~31bf3856ad364e35~%s~~6.1.1.17514", arch);
    dw(b, key(b, packages, sp1), "CurrentState", 0x70);
    free(sp1);
    if (o->sha2_update == OST_TEST_SHA2_ABSENT)
        return;
    char *kb = ost_xasprintf("Package_for_KB4474419~31bf3856ad364e35~%s~~6.1.4.0", arch);
    dw(b, key(b, packages, kb), "CurrentState", o->sha2_update == OST_TEST_SHA2_INSTALLED ? 0x70 : 0x40);
    free(kb);
}

static ost_status build_software(const char *path, const struct ost_test_image_options *o, struct ost_error *err)
{
    struct hb b;
    if (new_hive(path, "SOFTWARE", &b, err) != OST_OK)
        return finish_hive(&b, path);
    const char *edition = o->edition ? o->edition : "Ultimate";
    ost_hkey nt = key(&b, 0, "Microsoft\\Windows NT\\CurrentVersion");
    char *product = ost_xasprintf("Windows 7 %s", edition);
    sz(&b, nt, "ProductName", OST_REG_SZ, product);
    sz(&b, nt, "EditionID", OST_REG_SZ, edition);
    sz(&b, nt, "CurrentVersion", OST_REG_SZ, "6.1");
    sz(&b, nt, "CurrentBuild", OST_REG_SZ, "7601");
    sz(&b, nt, "CurrentBuildNumber", OST_REG_SZ, "7601");
    sz(&b, nt, "CSDVersion", OST_REG_SZ, "Service Pack 1");
    sz(&b, nt, "InstallationType", OST_REG_SZ, "Client");
    sz(&b, nt, "SystemRoot", OST_REG_SZ, "C:\\Windows");
    free(product);
    ost_hkey cv = key(&b, 0, "Microsoft\\Windows\\CurrentVersion");
    sz(&b, cv, "DevicePath", OST_REG_EXPAND_SZ, "%SystemRoot%\\inf");
    sz(&b, cv, "ProgramFilesDir", OST_REG_SZ, "C:\\Program Files");
    /* Like Windows: every store has Certificates, CRLs and CTLs keys. */
    static const char *const stores[] = {"CA", "Disallowed", "ROOT", "TrustedPublisher"};
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        ost_hkey store = key(&b, 0, "Microsoft\\SystemCertificates");
        store = key(&b, store, stores[i]);
        key(&b, store, "Certificates");
        key(&b, store, "CRLs");
        key(&b, store, "CTLs");
    }
    if (o->sha2_update != OST_TEST_SHA2_UNRECORDED)
        servicing_packages(&b, o);
    ost_hkey mark = key(&b, 0, "offstage");
    sz(&b, mark, "TestImage", OST_REG_SZ, "made by offstage make-test-image; this is not Windows");
    return finish_hive(&b, path);
}

/* ---- BCD-Template -------------------------------------------------------------- */

static void bcd_object(struct hb *b, ost_hkey objects, const char *guid, uint32_t type)
{
    char *p = ost_xasprintf("%s\\Description", guid);
    dw(b, key(b, objects, p), "Type", type);
    free(p);
}

static void bcd_string(struct hb *b, ost_hkey objects, const char *guid, const char *element, const char *v)
{
    char *p = ost_xasprintf("%s\\Elements\\%s", guid, element);
    sz(b, key(b, objects, p), "Element", OST_REG_SZ, v);
    free(p);
}

/* An object list (REG_MULTI_SZ) of up to three GUIDs; unused ones NULL. */
static void bcd_list(struct hb *b, ost_hkey objects, const char *guid, const char *element, const char *v1,
                     const char *v2, const char *v3)
{
    char *p = ost_xasprintf("%s\\Elements\\%s", guid, element);
    struct ost_strlist l = {0};
    const char *v[] = {v1, v2, v3};
    for (size_t i = 0; i < 3 && v[i]; i++)
        ost_strlist_add(&l, v[i]);
    msz(b, key(b, objects, p), "Element", &l);
    ost_strlist_free(&l);
    free(p);
}

static void bcd_raw(struct hb *b, ost_hkey objects, const char *guid, const char *element, const void *data,
                    size_t size)
{
    char *p = ost_xasprintf("%s\\Elements\\%s", guid, element);
    ost_hkey k = key(b, objects, p);
    if (b->st == OST_OK)
        b->st = ost_hive_set_raw(b->h, k, "Element", OST_REG_BINARY, data, size, b->err);
    free(p);
}

/* Booleans and integers are REG_BINARY: one byte, eight bytes little-endian. */
static void bcd_binary(struct hb *b, ost_hkey objects, const char *guid, const char *element, uint64_t v,
                       size_t size)
{
    uint8_t bytes[8];
    for (size_t i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(v >> (8 * i));
    bcd_raw(b, objects, guid, element, bytes, size);
}


/* A partition device element as bcdedit writes one (partition=X:): 16
 * bytes of options (none), then a partition descriptor (type 6, 0x48
 * bytes). GPT names the partition and the disk by their GUIDs (style 0);
 * MBR by the partition's byte offset and the disk signature (style 1).
 * Layout: http://www.mistyprojects.co.uk/documents/BCDEdit/files/device_partition.htm */
static void bcd_partition(struct hb *b, ost_hkey objects, const char *guid, const char *element,
                          const struct ost_test_boot_partition *p)
{
    uint8_t e[16 + 0x48] = {0};
    uint8_t *d = e + 16;
    ost_put_le32(d, 6);
    ost_put_le32(d + 8, 0x48);
    if (p->gpt) {
        memcpy(d + 16, p->partition_guid, 16);
        memcpy(d + 40, p->disk_guid, 16);
    } else {
        ost_put_le32(d + 16, (uint32_t)p->offset);
        ost_put_le32(d + 20, (uint32_t)(p->offset >> 32));
        ost_put_le32(d + 32, 1);
        ost_put_le32(d + 40, p->mbr_signature);
    }
    bcd_raw(b, objects, guid, element, e, sizeof e);
}

static char *guid_string(const uint8_t g[16])
{
    return ost_xasprintf("{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", ost_le32(g), ost_le16(g + 4),
                         ost_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Like Windows 7's BCD-Template when sys is NULL: no Windows Boot Loader
 * object (bcdboot creates it, inheriting {bootloadersettings}), the boot
 * manager and the settings objects, with the serial debugger defaults.
 * With sys, the store bcdboot leaves on an installed system's system
 * partition: the same objects, {bootmgr} on the system partition with one
 * Windows Boot Loader for the Windows partition as its default, and no
 * testsigning anywhere. */
/* A boot device element (device "boot": the volume the boot manager was
 * started from, type 5 with no descriptor), as the media stores hold. */
static void bcd_boot_device(struct hb *b, ost_hkey objects, const char *guid, const char *element)
{
    uint8_t e[16 + 0x48] = {0};
    ost_put_le32(e + 16, 5);
    ost_put_le32(e + 24, 0x48);
    bcd_raw(b, objects, guid, element, e, sizeof e);
}

/* A ramdisk device element: [boot]\sources\boot.wim with its options
 * object, as Windows 7 media name Setup's image (type 3, the options
 * GUID first, the image file's path after a boot device). */
static void bcd_ramdisk(struct hb *b, ost_hkey objects, const char *guid, const char *element,
                        const uint8_t options_guid[16])
{
    static const char wim[] = "\\sources\\boot.wim";
    uint8_t e[0xb0] = {0};
    memcpy(e, options_guid, 16);
    ost_put_le32(e + 20, 1);
    ost_put_le32(e + 24, 0xa0);
    ost_put_le32(e + 32, 3);
    ost_put_le32(e + 56, 1);
    ost_put_le32(e + 60, 0x78);
    ost_put_le32(e + 64, 5);
    ost_put_le32(e + 68, 5);
    ost_put_le32(e + 76, 0x48);
    for (size_t i = 0; i + 1 < sizeof wim; i++)
        e[140 + 2 * i] = (uint8_t)wim[i];
    bcd_raw(b, objects, guid, element, e, sizeof e);
}

static ost_status build_bcd(const char *path, const struct ost_test_boot_store *sys, struct ost_error *err)
{
    static const char bootmgr[] = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";
    static const char loader_settings[] = "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}";
    static const char global_settings[] = "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}";
    static const char dbg_settings[] = "{4636856e-540f-4170-a130-a84776f4c654}";
    static const char ems_settings[] = "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}";
    static const char bad_memory[] = "{5189b25c-5558-4bf2-bca4-289b11bd29e2}";
    static const char hv_settings[] = "{7ff607e0-4395-11db-b0de-0800200c9a66}";
    struct hb b;
    if (new_hive(path, "NewStoreRoot", &b, err) != OST_OK)
        return finish_hive(&b, path);
    ost_hkey desc = key(&b, 0, "Description");
    sz(&b, desc, "KeyName", OST_REG_SZ, "BCD00000000");
    if (sys) {
        dw(&b, desc, "System", 1);
        dw(&b, desc, "TreatAsSystem", 1);
    }
    ost_hkey objects = key(&b, 0, "Objects");
    bcd_object(&b, objects, bootmgr, 0x10100002);
    bcd_string(&b, objects, bootmgr, "12000004", "Windows Boot Manager");
    bcd_string(&b, objects, bootmgr, "12000005", "en-US");
    bcd_list(&b, objects, bootmgr, "14000006", global_settings, NULL, NULL);
    bcd_binary(&b, objects, bootmgr, "25000004", 30, 8);
    if (sys) {
        char *loader = guid_string(sys->loader_guid);
        bcd_partition(&b, objects, bootmgr, "11000001", &sys->system);
        if (sys->uefi)
            bcd_string(&b, objects, bootmgr, "12000002", "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
        bcd_string(&b, objects, bootmgr, "23000003", loader);
        bcd_list(&b, objects, bootmgr, "24000001", loader, NULL, NULL);
        bcd_object(&b, objects, loader, 0x10200003);
        bcd_partition(&b, objects, loader, "11000001", &sys->windows);
        bcd_string(&b, objects, loader, "12000002",
                   sys->uefi ? "\\Windows\\system32\\winload.efi" : "\\Windows\\system32\\winload.exe");
        bcd_string(&b, objects, loader, "12000004", "Windows 7");
        bcd_string(&b, objects, loader, "12000005", "en-US");
        bcd_list(&b, objects, loader, "14000006", loader_settings, NULL, NULL);
        bcd_partition(&b, objects, loader, "21000001", &sys->windows);
        bcd_string(&b, objects, loader, "22000002", "\\Windows");
        bcd_binary(&b, objects, loader, "25000020", 0, 8); /* nx OptIn */
        free(loader);
    }
    bcd_object(&b, objects, ems_settings, 0x20100000);
    bcd_binary(&b, objects, ems_settings, "16000020", 0, 1);
    bcd_object(&b, objects, dbg_settings, 0x20100000);
    bcd_binary(&b, objects, dbg_settings, "15000011", 0, 8);
    bcd_binary(&b, objects, dbg_settings, "15000013", 1, 8);
    bcd_binary(&b, objects, dbg_settings, "15000014", 115200, 8);
    bcd_object(&b, objects, bad_memory, 0x20100000);
    bcd_object(&b, objects, global_settings, 0x20100000);
    bcd_list(&b, objects, global_settings, "14000006", dbg_settings, ems_settings, bad_memory);
    bcd_object(&b, objects, loader_settings, 0x20200003);
    bcd_list(&b, objects, loader_settings, "14000006", global_settings, hv_settings, NULL);
    bcd_object(&b, objects, hv_settings, 0x20200003);
    bcd_binary(&b, objects, hv_settings, "250000f3", 0, 8);
    bcd_binary(&b, objects, hv_settings, "250000f4", 1, 8);
    bcd_binary(&b, objects, hv_settings, "250000f5", 115200, 8);
    return finish_hive(&b, path);
}

ost_status ost_write_test_boot_store(const char *path, const struct ost_test_boot_store *sys, struct ost_error *err)
{
    return build_bcd(path, sys, err);
}

/* Windows 7 media's boot\BCD (and efi\microsoft\boot\bcd): {bootmgr}
 * defaulting to the "Windows Setup" loader, which boots sources\boot.wim
 * as a ramdisk ({7619dcc8-...}: its options, boot.sdi) with winpe and
 * detecthal on; and the memory diagnostic as a tool. */
ost_status ost_write_test_media_store(const char *path, bool uefi, struct ost_error *err)
{
    static const char bootmgr[] = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";
    static const char setup[] = "{7619dcc9-fafe-11d9-b411-000476eba25f}";
    static const char ramdisk_options[] = "{7619dcc8-fafe-11d9-b411-000476eba25f}";
    static const uint8_t ramdisk_options_guid[16] = {0xc8, 0xdc, 0x19, 0x76, 0xfe, 0xfa, 0xd9, 0x11,
                                                     0xb4, 0x11, 0x00, 0x04, 0x76, 0xeb, 0xa2, 0x5f};
    static const char memdiag[] = "{b2721d73-1db4-4c62-bf78-c548a880142d}";
    static const char loader_settings[] = "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}";
    static const char global_settings[] = "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}";
    static const char dbg_settings[] = "{4636856e-540f-4170-a130-a84776f4c654}";
    static const char ems_settings[] = "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}";
    static const char hv_settings[] = "{7ff607e0-4395-11db-b0de-0800200c9a66}";
    struct hb b;
    if (new_hive(path, "NewStoreRoot", &b, err) != OST_OK)
        return finish_hive(&b, path);
    ost_hkey desc = key(&b, 0, "Description");
    sz(&b, desc, "KeyName", OST_REG_SZ, "BCD00000000");
    ost_hkey objects = key(&b, 0, "Objects");
    bcd_object(&b, objects, bootmgr, 0x10100002);
    if (uefi) {
        bcd_boot_device(&b, objects, bootmgr, "11000001");
        bcd_string(&b, objects, bootmgr, "12000002", "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
    }
    bcd_string(&b, objects, bootmgr, "12000004", "Windows Boot Manager");
    bcd_string(&b, objects, bootmgr, "12000005", "en-US");
    bcd_list(&b, objects, bootmgr, "14000006", global_settings, NULL, NULL);
    bcd_string(&b, objects, bootmgr, "23000003", setup);
    bcd_list(&b, objects, bootmgr, "24000001", setup, NULL, NULL);
    bcd_list(&b, objects, bootmgr, "24000010", memdiag, NULL, NULL);
    bcd_binary(&b, objects, bootmgr, "25000004", 30, 1);
    bcd_object(&b, objects, setup, 0x10200003);
    bcd_ramdisk(&b, objects, setup, "11000001", ramdisk_options_guid);
    bcd_string(&b, objects, setup, "12000002",
               uefi ? "\\windows\\system32\\boot\\winload.efi" : "\\windows\\system32\\boot\\winload.exe");
    bcd_string(&b, objects, setup, "12000004", "Windows Setup");
    bcd_string(&b, objects, setup, "12000005", "en-US");
    bcd_list(&b, objects, setup, "14000006", loader_settings, NULL, NULL);
    bcd_ramdisk(&b, objects, setup, "21000001", ramdisk_options_guid);
    bcd_string(&b, objects, setup, "22000002", "\\windows");
    bcd_binary(&b, objects, setup, "250000c2", 1, 8);
    bcd_binary(&b, objects, setup, "26000010", 1, 1); /* detecthal */
    bcd_binary(&b, objects, setup, "26000022", 1, 1); /* winpe */
    bcd_binary(&b, objects, setup, "260000b0", 0, 1); /* ems */
    bcd_object(&b, objects, ramdisk_options, 0x30000000);
    bcd_boot_device(&b, objects, ramdisk_options, "31000003");
    bcd_string(&b, objects, ramdisk_options, "32000004", "\\boot\\boot.sdi");
    bcd_object(&b, objects, memdiag, 0x10200005);
    bcd_boot_device(&b, objects, memdiag, "11000001");
    bcd_string(&b, objects, memdiag, "12000002",
               uefi ? "\\efi\\microsoft\\boot\\memtest.efi" : "\\boot\\memtest.exe");
    bcd_string(&b, objects, memdiag, "12000004", "Windows Memory Diagnostic");
    bcd_string(&b, objects, memdiag, "12000005", "en-US");
    bcd_list(&b, objects, memdiag, "14000006", global_settings, NULL, NULL);
    bcd_object(&b, objects, ems_settings, 0x20100000);
    bcd_binary(&b, objects, ems_settings, "16000020", 0, 1);
    bcd_object(&b, objects, dbg_settings, 0x20100000);
    bcd_binary(&b, objects, dbg_settings, "15000011", 0, 1);
    bcd_binary(&b, objects, dbg_settings, "15000013", 1, 1);
    bcd_binary(&b, objects, dbg_settings, "15000014", 115200, 3);
    bcd_object(&b, objects, global_settings, 0x20100000);
    bcd_list(&b, objects, global_settings, "14000006", dbg_settings, ems_settings, NULL);
    bcd_object(&b, objects, loader_settings, 0x20200003);
    bcd_list(&b, objects, loader_settings, "14000006", global_settings, hv_settings, NULL);
    bcd_object(&b, objects, hv_settings, 0x20200003);
    bcd_string(&b, objects, hv_settings, "12000004", "Hypervisor Settings");
    bcd_binary(&b, objects, hv_settings, "250000f3", 0, 8);
    bcd_binary(&b, objects, hv_settings, "250000f4", 1, 8);
    bcd_binary(&b, objects, hv_settings, "250000f5", 115200, 8);
    return finish_hive(&b, path);
}

/* ---- files ---------------------------------------------------------------------- */

ost_status ost_write_pe_stub(const char *path, ost_arch arch, struct ost_error *err)
{
    bool plus = arch != OST_ARCH_X86;
    uint8_t img[0x400] = {0};
    img[0] = 'M', img[1] = 'Z';
    ost_put_le32(img + 0x3c, 0x40);
    memcpy(img + 0x40, "PE\0\0", 4);
    uint8_t *coff = img + 0x44, *opt = coff + 20;
    uint16_t opt_size = plus ? 240 : 224;
    ost_put_le16(coff, ost_arch_pe_machine(arch));
    ost_put_le16(coff + 2, 1);
    ost_put_le16(coff + 16, opt_size);
    ost_put_le16(coff + 18, plus ? 0x0022 : 0x0102);
    ost_put_le16(opt, plus ? 0x20b : 0x10b);
    ost_put_le32(opt + 4, 0x200);      /* SizeOfCode */
    ost_put_le32(opt + 16, 0x1000);    /* AddressOfEntryPoint */
    ost_put_le32(opt + 20, 0x1000);    /* BaseOfCode */
    if (plus) {
        ost_put_le32(opt + 24, 0x40000000), ost_put_le32(opt + 28, 0x1);  /* ImageBase 0x140000000 */
    } else {
        ost_put_le32(opt + 28, 0x00400000);
    }
    ost_put_le32(opt + 32, 0x1000), ost_put_le32(opt + 36, 0x200);      /* alignments */
    ost_put_le16(opt + 40, 6), ost_put_le16(opt + 42, 1);               /* OS 6.1 */
    ost_put_le16(opt + 48, 6), ost_put_le16(opt + 50, 1);               /* subsystem 6.1 */
    ost_put_le32(opt + 56, 0x2000), ost_put_le32(opt + 60, 0x200);      /* SizeOfImage, SizeOfHeaders */
    ost_put_le16(opt + 68, 1);                                    /* native */
    ost_put_le32(opt + (plus ? 108 : 92), 16);                    /* NumberOfRvaAndSizes */
    uint8_t *sec = opt + opt_size;
    memcpy(sec, ".text", 5);
    ost_put_le32(sec + 8, 1), ost_put_le32(sec + 12, 0x1000), ost_put_le32(sec + 16, 0x200), ost_put_le32(sec + 20, 0x200);
    ost_put_le32(sec + 36, 0x60000020);
    img[0x200] = 0xC3; /* ret */
    ost_put_le32(opt + 64, ost_pe_checksum(img, sizeof img, (uint64_t)(opt + 64 - img)));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ost_write_all(fd, img, sizeof img) != 0 || close(fd) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return OST_OK;
}

static ost_status write_text(const char *path, const char *text, struct ost_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ost_write_all(fd, text, strlen(text)) != 0 || close(fd) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return OST_OK;
}

static const char ks_inf[] =
    "; Stub written by offstage make-test-image: not the Windows file.\r\n"
    "[Version]\r\nSignature=\"$Windows NT$\"\r\nClass=MEDIA\r\n"
    "ClassGuid={4d36e96c-e325-11ce-bfc1-08002be10318}\r\nProvider=%Msft%\r\nDriverVer=06/21/2006,6.1.7601.17514\r\n"
    "[KS.Registration]\r\n[KS.Registration.NT]\r\n[Strings]\r\nMsft=\"Microsoft\"\r\n";
static const char wdmaudio_inf[] =
    "; Stub written by offstage make-test-image: not the Windows file.\r\n"
    "[Version]\r\nSignature=\"$Windows NT$\"\r\nClass=MEDIA\r\n"
    "ClassGuid={4d36e96c-e325-11ce-bfc1-08002be10318}\r\nProvider=%Msft%\r\nDriverVer=06/21/2006,6.1.7601.17514\r\n"
    "[WDMAUDIO.Registration]\r\n[WDMAUDIO.Registration.NT]\r\n[Strings]\r\nMsft=\"Microsoft\"\r\n";

static ost_status make_tree(const char *root, struct ost_error *err)
{
    static const char *dirs[] = {
        "Windows", "Windows/System32", "Windows/System32/config", "Windows/System32/drivers",
        "Windows/System32/DriverStore", "Windows/System32/DriverStore/FileRepository", "Windows/inf",
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char *p = ost_path_join(root, dirs[i]);
        int r = mkdir(p, 0755);
        int e = errno;
        free(p);
        if (r != 0)
            return ost_fail(err, OST_ERR_IO, "%s/%s: cannot create: %s", root, dirs[i], strerror(e));
    }
    return OST_OK;
}

static bool is_empty_dir(const char *dir)
{
    struct ost_strlist names = {0};
    DIR *d = opendir(dir);
    struct dirent *e;
    bool empty = d != NULL;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    if (d)
        closedir(d);
    ost_strlist_free(&names);
    return empty;
}

static const char *const state_names[] = {"none", "installed", "generalized", "winpe"};

const char *ost_test_image_state_name(enum ost_test_image_state state)
{
    return (size_t)state < sizeof state_names / sizeof state_names[0] ? state_names[state] : "none";
}

bool ost_test_image_state_parse(const char *name, enum ost_test_image_state *out)
{
    const char *const *names = state_names;
    for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
        if (!strcmp(name, names[i]))
            return *out = (enum ost_test_image_state)i, true;
    return false;
}

/* Opens a hive built above for more edits; finish_hive writes it whole again. */
static ost_status reopen_hive(const char *path, struct hb *b, struct ost_error *err)
{
    struct ost_hive_open_options o = {.writable = true};
    b->err = err;
    b->h = NULL;
    return b->st = ost_hive_open(path, &o, &b->h, err);
}

/* The Setup state keys, as imagekind.h reads them: SYSTEM\Setup as the
 * real Windows 7 SP1 hive has it once Setup is done, or as Setup and
 * Windows PE leave it before. */
static ost_status write_state(const char *root, const char *system, const char *software,
                              enum ost_test_image_state state, struct ost_error *err)
{
    if (state == OST_TEST_STATE_NONE)
        return OST_OK;
    struct hb b;
    if (reopen_hive(system, &b, err) != OST_OK)
        return finish_hive(&b, system);
    ost_hkey setup = key(&b, 0, "Setup");
    bool done = state == OST_TEST_STATE_INSTALLED;
    dw(&b, setup, "SystemSetupInProgress", done ? 0 : 1);
    dw(&b, setup, "SetupType", done ? 0 : state == OST_TEST_STATE_WINPE ? 1 : 2);
    dw(&b, setup, "OOBEInProgress", state == OST_TEST_STATE_GENERALIZED ? 1 : 0);
    sz(&b, setup, "CmdLine", OST_REG_SZ, done ? "" : state == OST_TEST_STATE_WINPE ? "winpeshl.exe"
                                                                                  : "oobe\\windeploy.exe");
    if (state == OST_TEST_STATE_WINPE)
        key(&b, 0, "ControlSet001\\Control\\MiniNT");
    ost_status st = finish_hive(&b, system);
    if (st != OST_OK || state == OST_TEST_STATE_WINPE)
        return st;
    const char *value = done ? "IMAGE_STATE_COMPLETE" : "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE";
    if (reopen_hive(software, &b, err) != OST_OK)
        return finish_hive(&b, software);
    sz(&b, key(&b, 0, "Microsoft\\Windows\\CurrentVersion\\Setup\\State"), "ImageState", OST_REG_SZ, value);
    if ((st = finish_hive(&b, software)) != OST_OK)
        return st;
    char *dir = ost_path_join(root, "Windows/Setup");
    char *state_dir = ost_path_join(root, "Windows/Setup/State");
    char *ini = ost_path_join(root, "Windows/Setup/State/State.ini");
    char *text = ost_xasprintf("[State]\r\nImageState=%s\r\n", value);
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || mkdir(state_dir, 0755) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", state_dir, strerror(errno));
    else
        st = write_text(ini, text, err);
    free(dir), free(state_dir), free(ini), free(text);
    return st;
}

ost_status ost_test_target_check(const char *path, bool empty_dir_ok, struct ost_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !(empty_dir_ok && S_ISDIR(st.st_mode) && is_empty_dir(path)))
        return ost_fail(err, OST_ERR_USAGE, "%s: exists%s; refusing to overwrite it", path,
                        empty_dir_ok ? " and is not an empty directory" : "");
    char *parent = ost_path_dirname(path);
    ost_status s = OST_OK;
    if (access(parent, W_OK | X_OK) != 0)
        s = ost_fail(err, OST_ERR_IO, "%s: cannot create it there: %s", path, strerror(errno));
    free(parent);
    return s;
}

ost_status ost_make_test_image(const char *dir, const struct ost_test_image_options *o, struct ost_error *err)
{
    if (o->arch != OST_ARCH_X86 && o->arch != OST_ARCH_AMD64)
        return ost_fail(err, OST_ERR_USAGE, "test images are x86 or amd64");
    ost_status checked = ost_test_target_check(dir, true, err);
    if (checked != OST_OK)
        return checked;
    struct stat st;
    bool existed = stat(dir, &st) == 0;
    char *tmp = ost_xasprintf("%s.tmp-XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        ost_status s = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return s;
    }
    char *system = ost_path_join(tmp, "Windows/System32/config/SYSTEM");
    char *software = ost_path_join(tmp, "Windows/System32/config/SOFTWARE");
    char *bcd = ost_path_join(tmp, "Windows/System32/config/BCD-Template");
    char *kernel = ost_path_join(tmp, "Windows/System32/ntoskrnl.exe");
    char *kernel32 = ost_path_join(tmp, "Windows/System32/kernel32.dll");
    char *ks = ost_path_join(tmp, "Windows/inf/ks.inf");
    char *wdm = ost_path_join(tmp, "Windows/inf/wdmaudio.inf");
    ost_status s = make_tree(tmp, err);
    if (s == OST_OK)
        s = build_system(system, o, err);
    if (s == OST_OK)
        s = build_software(software, o, err);
    if (s == OST_OK)
        s = write_state(tmp, system, software, o->state, err);
    if (s == OST_OK)
        s = build_bcd(bcd, NULL, err);
    if (s == OST_OK)
        s = ost_write_pe_stub(kernel, o->arch, err);
    /* WIM tools read the architecture from kernel32.dll's machine type */
    if (s == OST_OK)
        s = ost_write_pe_stub(kernel32, o->arch, err);
    if (s == OST_OK)
        s = write_text(ks, ks_inf, err);
    if (s == OST_OK)
        s = write_text(wdm, wdmaudio_inf, err);
    if (s == OST_OK && existed && rmdir(dir) != 0)
        s = ost_fail(err, OST_ERR_IO, "%s: cannot replace: %s", dir, strerror(errno));
    if (s == OST_OK && rename(tmp, dir) != 0)
        s = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    if (s != OST_OK) {
        ost_rm_rf(tmp);
        if (existed)
            mkdir(dir, 0755);
    }
    free(system), free(software), free(bcd), free(kernel), free(kernel32), free(ks), free(wdm), free(tmp);
    return s;
}
