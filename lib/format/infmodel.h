/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * infmodel.h — what a driver INF does on one architecture.
 *
 * From a parsed INF (inf.h) this builds, per requested architecture, the
 * model Windows' device installer would act on: the models section chosen
 * by decoration, each device (model line) with its hardware and compatible
 * IDs and the DDInstall section selected for it, the files it copies (with
 * their path inside the package and their destination in Windows), the
 * services it adds, its registry additions, the inbox INFs it includes and
 * its catalog file. Nothing here touches the file system beyond the INF;
 * checking the package's files is package.h.
 *
 * Problems in the INF are diagnostics with the INF line that causes them.
 */
#ifndef OST_INFMODEL_H
#define OST_INFMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "decor.h"
#include "diag.h"
#include "inf.h"
#include "util.h"

/* What one architecture of a package may hold. Real driver packages copy
 * tens of files and add hundreds of registry values; display and printer
 * drivers, the largest, stay within a few thousand. Beyond these the input
 * is not a driver package, and building, checking, hashing and copying it
 * would only cost time and memory: the build fails with OST_ERR_LIMIT. */
#define OST_MODEL_MAX_FILES 10000u
#define OST_MODEL_MAX_REGS 200000u

struct ost_driver_ver {
    bool present, valid;
    unsigned month, day, year;
    bool has_version;
    uint16_t version[4];
    char *text;
    unsigned line;
};

struct ost_version_info {
    char *signature;
    char *class_name;
    char *class_guid;
    char *provider;
    struct ost_driver_ver driver_ver;
    unsigned line; /* of the [Version] header, 0 if absent */
};

/* One line of a models section. */
struct ost_model_line {
    char *manufacturer;
    char *models_section;   /* as named in the INF, decorated */
    struct ost_decoration decoration;
    bool decorated;
    char *description;
    char *install_section;  /* as written on the model line */
    char *hardware_id;      /* may be "" when the line has none */
    struct ost_strlist compatible_ids;
    unsigned line;
};

struct ost_device {
    const struct ost_model_line *model; /* borrowed from the driver model */
    char *ddinstall;                    /* section Windows would use, NULL if none */
    bool nt_extension;                  /* ddinstall carries an .NT decoration */
};

struct ost_file_copy {
    char *name;        /* destination file name */
    char *source_name; /* name on the source media */
    char *source_path; /* path inside the package, '/'-separated */
    bool listed;       /* found in [SourceDisksFiles] */
    unsigned dirid;
    char *dest_subdir; /* from DestinationDirs, may be "" */
    char *dest_path;   /* Windows path relative to the image root, '\'-separated */
    char *section;     /* file-list section, or "@name" */
    unsigned line;     /* line of the entry (or of CopyFiles for @name) */
};

struct ost_service {
    char *name;
    uint32_t flags;
    char *section;
    unsigned line;          /* the AddService line */
    char *display_name;
    bool has_type, has_start, has_error_control;
    uint32_t service_type, start_type, error_control;
    char *service_binary;   /* as written, e.g. %12%\x.sys */
    char *load_order_group;
    unsigned start_line;
};

enum ost_reg_context {
    OST_REG_SOFTWARE,  /* DDInstall AddReg: the driver (software) key */
    OST_REG_HARDWARE,  /* .HW AddReg: the device's Device Parameters key */
    OST_REG_SERVICE,   /* service-install AddReg: Services\<name> */
    OST_REG_EVENTLOG,
    OST_REG_INTERFACE,
    OST_REG_COINSTALLER,
};

struct ost_reg_entry {
    enum ost_reg_context context;
    char *owner;       /* service name for service/eventlog contexts */
    char *section;
    unsigned line;
    char *root;        /* HKR, HKLM, ... */
    char *subkey;
    char *value_name;
    bool has_flags;
    uint32_t flags;
    struct ost_strlist data;
};

struct ost_arch_model {
    ost_arch arch;
    bool usable;              /* a models section applies to this arch */
    struct ost_device *devices;
    size_t ndevices, devices_cap;
    struct ost_strlist install_sections; /* distinct DDInstall sections used */
    struct ost_file_copy *files;
    size_t nfiles, files_cap;
    struct ost_service *services;
    size_t nservices, services_cap;
    struct ost_reg_entry *regs;
    size_t nregs, regs_cap;
    struct ost_strlist includes; /* INF names from Include= */
    struct ost_strlist needs;
    char *catalog_file;         /* CatalogFile[.NT<arch>], NULL when none */
    unsigned catalog_line;
    char *kmdf_version;
};

struct ost_model_options {
    ost_arch arches[OST_ARCH_COUNT]; /* empty (all UNKNOWN) = every declared arch */
    size_t narches;
    struct ost_os_version os;        /* zero = Windows 7 SP1 */
};

struct ost_driver_model {
    struct ost_inf *inf;       /* owned */
    char *inf_path;
    char *inf_name;            /* base name */
    char *package_dir;         /* directory holding the INF */
    struct ost_version_info version;
    ost_arch declared[OST_ARCH_COUNT]; /* architectures the INF declares */
    size_t ndeclared;
    struct ost_model_line *model_lines; /* every line of every listed models section */
    size_t nmodel_lines, model_lines_cap;
    struct ost_arch_model *arches;
    size_t narches;
    struct ost_os_version os;
    struct ost_diags diags;
};

/* Builds the model from an INF already parsed; takes ownership of inf.
 * Fails (OST_ERR_LIMIT, naming the INF line) only when the package holds
 * more than the limits above. */
ost_status ost_driver_model_build(struct ost_inf *inf, const struct ost_model_options *opts,
                                  struct ost_driver_model **out, struct ost_error *err);
/* Loads and parses the INF, then builds. INF-level diagnostics go to the
 * model's diags. Fails only when the INF cannot be read, is not an INF or
 * exceeds a limit. */
ost_status ost_driver_model_load(const char *inf_path, const struct ost_inf_options *inf_opts,
                                 const struct ost_model_options *opts, struct ost_driver_model **out,
                                 struct ost_error *err);
void ost_driver_model_free(struct ost_driver_model *m);

const struct ost_arch_model *ost_driver_model_arch(const struct ost_driver_model *m, ost_arch arch);

/* Image-relative Windows path for a DIRID ("Windows\System32\drivers"), or
 * NULL for DIRIDs that are not a fixed place in the image. */
const char *ost_dirid_path(unsigned dirid, ost_arch arch);

/* Whether Windows can create a file or folder of this name (one path
 * component), by the rules of Microsoft's "Naming Files, Paths, and
 * Namespaces" (https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file,
 * "Naming Conventions"): none of < > : " / \ | ? * or the control
 * characters 0-31; not ending in a dot or a space; not a reserved device
 * name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9 and COM/LPT with a
 * superscript 1, 2 or 3), case-insensitively and also when followed by an
 * extension ("AUX.dat", "con.txt"). When it cannot, says why in `why`
 * (after "NAME "). The installer would fail on such a name at first boot. */
bool ost_windows_name_ok(const char *name, char *why, size_t size);

/* Service start type name: "boot", "system", "auto", "demand", "disabled". */
const char *ost_start_type_name(uint32_t start);


#endif
