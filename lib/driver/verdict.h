/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verdict.h — what the first boot of Windows 7 will do with a package, per
 * architecture: install it silently and load its driver, ask the user
 * first (which an unattended first boot cannot answer), or install it and
 * refuse to load its driver (Device Manager's Code 52). The module owns the
 * policy below and nothing else: callers establish the facts (the
 * catalog check, the image's certificate stores, the BCD) and it decides,
 * naming the one thing to change.
 *
 * Installing and loading are separate checks (brief §7), and a verdict
 * states both:
 *   installs: silently when the signature is valid, its chain ends at a
 *     certificate of the image's ROOT store and the signer is in
 *     TrustedPublisher (or the chain ends at a Microsoft root: WHQL, a
 *     cross-signed release signature). A valid signature whose signer is
 *     not trusted so installs after a prompt; an unsigned package, or a
 *     signature that is broken or that the image cannot verify, only after
 *     the user accepts Windows' warning that it cannot verify the
 *     publisher. An unattended first boot answers neither, so both are
 *     "never unattended" in practice; the words say which dialog it is.
 *   loads: x86 loads any driver. x64 loads a release (Microsoft-rooted)
 *     signature, and a test signature ("signed by any certificate", no
 *     trusted root needed) when the BCD loader that boots has testsigning
 *     on; an unsigned or broken one gets Code 52. A boot-start driver needs
 *     its signature embedded in the .sys (winload reads no catalog); where
 *     winload refuses one, the boot stops.
 *   SHA-2: Windows 7 verifies SHA-256 signatures only with KB3033929 or
 *     KB4474419 (sha2support.h); without it a SHA-256 signature counts as
 *     one that does not verify, for installing and for loading.
 * (Microsoft: "Kernel-Mode Code Signing Requirements",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/kernel-mode-code-signing-requirements--windows-vista-and-later-;
 * "The TESTSIGNING Boot Configuration Option",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/the-testsigning-boot-configuration-option;
 * "Trusted Publishers Certificate Store",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/trusted-publishers-certificate-store;
 * "Microsoft security advisory 3033929",
 * https://support.microsoft.com/kb/3033929; "KB4474419",
 * https://support.microsoft.com/kb/4474419.)
 */
#ifndef OST_VERDICT_H
#define OST_VERDICT_H

#include <stdbool.h>

#include "arch.h"

/* The package's signature as the catalog check found it. */
typedef enum {
    OST_SIG_NONE,      /* no catalog, or a catalog with no signer */
    OST_SIG_BROKEN,    /* a catalog that does not cover the files, or a signature that does not verify */
    OST_SIG_UNTRUSTED, /* verifies, but its signer chains to nothing trusted */
    OST_SIG_TRUSTED,   /* verifies and chains to a trusted certificate */
} ost_sig_state;

/* "none", "broken", "untrusted", "trusted" */
const char *ost_sig_state_name(ost_sig_state s);

/* What is known of a setting the caller could not always read. */
typedef enum { OST_UNKNOWN = -1, OST_NO = 0, OST_YES = 1 } ost_tristate;

struct ost_verdict_input {
    ost_arch arch;
    ost_sig_state signature;
    const char *signature_detail; /* why BROKEN or UNTRUSTED, for the message; may be NULL */
    /* Where the signer is trusted in the image's machine stores. */
    bool signer_in_root, signer_in_trusted_publisher;
    /* The chain ends at a Microsoft root (WHQL, or a cross-signed release
     * signature): x64 loads it without testsigning. */
    bool microsoft_root;
    ost_tristate testsigning; /* from the BCD given or the image's BCD-Template */
    const char *testsigning_source; /* which of them, for the message; may be NULL */
    const char *testsigning_caveat; /* what a verdict resting on testsigning must also say; may be NULL */
    /* The step that turns testsigning on where it decides (or gives the
     * store that decides), literally as run; NULL: the generic one. */
    const char *testsigning_fix;
    /* "STORE cannot be read (why)" when testsigning is unknown because a
     * store could not be read, not because none was given; may be NULL */
    const char *testsigning_problem;
    bool boot_critical;       /* StartType 0: loaded by winload */
    bool driver_embedded_signature; /* every .sys of a boot-critical package carries one */
    /* Digests that need SHA-2 support: "sha1", "sha256", ...; NULL: SHA-1.
     * digest: the catalog's signature or member hashes, the stronger;
     * embedded_digest: the boot-start .sys files' embedded signatures. */
    const char *digest, *embedded_digest;
    ost_tristate sha2;          /* the image verifies SHA-256 signatures */
    const char *sha2_source;    /* the evidence, for the message; may be NULL */
};

/* The install part: what Windows does when the package's device is found. */
typedef enum {
    OST_INSTALL_SILENT,           /* no prompt: it can install at an unattended first boot */
    OST_INSTALL_PROMPT,           /* valid signature, publisher not trusted: Windows asks */
    OST_INSTALL_NEVER_UNATTENDED, /* unsigned or unverifiable: Windows warns and asks */
    OST_INSTALL_UNKNOWN,          /* rests on a fact offstage could not read */
} ost_install_part;

/* The load part: what the kernel (or winload, for boot-start) does. */
typedef enum {
    OST_LOAD_YES,
    OST_LOAD_CODE_52,    /* refused by the signature policy: Device Manager's Code 52 */
    OST_LOAD_BOOT_STOPS, /* a boot-start driver winload refuses */
    OST_LOAD_UNKNOWN,    /* rests on a fact offstage could not read */
} ost_load_part;

typedef enum {
    OST_VERDICT_LOADS,   /* will install and load */
    OST_VERDICT_PROMPT,  /* needs a user prompt */
    OST_VERDICT_DEPENDS, /* will load only if a setting offstage could not read is right */
    OST_VERDICT_NO_LOAD, /* will install, will not load (Code 52) */
} ost_verdict_kind;

struct ost_verdict {
    ost_verdict_kind kind;         /* derived from the two parts */
    ost_install_part installs;
    ost_load_part loads;
    char *install_reason, *load_reason; /* the fact each part rests on */
    char *summary; /* "installs: silently (...); loads: Code 52 (...)" */
    char *fix;     /* the one thing to change for each failing part; NULL for OST_VERDICT_LOADS */
    /* The fix signs the package anew: a copy already staged has to be
     * removed first, since add-driver leaves a staged package as it is. */
    bool fix_changes_package;
    /* What the verdict rests on besides its two parts (the boot store's
     * caveat, firstboot.h), or NULL. The same for every verdict of an
     * image, so text prints it once per image as a note; JSON keeps it
     * per verdict. */
    char *caveat;
};

void ost_verdict_decide(const struct ost_verdict_input *in, struct ost_verdict *out);
void ost_verdict_free(struct ost_verdict *v);
/* A verdict decided on a copy in the scratch folder dir names its files
 * where the image holds them (folder, an image path such as
 * Windows\offstage\drivers\<folder>): the copy is gone when it is read. */
void ost_verdict_name_files(struct ost_verdict *v, const char *dir, const char *folder);
/* "loads", "prompt", "depends", "no-load" */
const char *ost_verdict_kind_name(ost_verdict_kind k);
/* JSON words: "silently", "prompt", "never-unattended", "unknown" */
const char *ost_install_part_name(ost_install_part p);
/* JSON words: "yes", "code-52", "boot-stops", "unknown" */
const char *ost_load_part_name(ost_load_part p);

#endif
