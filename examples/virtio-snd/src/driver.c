/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The smallest kernel-mode driver that is still a real one: a DriverEntry
 * that succeeds and an unload routine. It stands in for the virtio-snd
 * driver binaries in the example package and in test packages, which need
 * PE images of the right machine type, not working audio.
 * DRIVER_NAME is set per binary so that each image has distinct content.
 */
#ifndef DRIVER_NAME
#define DRIVER_NAME "offstage_example"
#endif

typedef long NTSTATUS;
typedef struct driver_object {
    short type;
    short size;
    void *device_object;
    unsigned long flags;
    void *driver_start;
    unsigned long driver_size;
    void *driver_section;
    void *driver_extension;
    void *driver_name[2];
    void *hardware_database;
    void *fast_io_dispatch;
    void *driver_init;
    void *driver_start_io;
    void (__attribute__((stdcall)) *driver_unload)(struct driver_object *);
} driver_object;

/* Kept in the image so that two builds with different names differ. */
const char offstage_driver_name[] = "offstage test driver: " DRIVER_NAME;

static void __attribute__((stdcall)) driver_unload(driver_object *driver)
{
    (void)driver;
}

NTSTATUS __attribute__((stdcall)) DriverEntry(driver_object *driver, void *registry_path);

NTSTATUS __attribute__((stdcall)) DriverEntry(driver_object *driver, void *registry_path)
{
    (void)registry_path;
    if (driver)
        driver->driver_unload = driver_unload;
    return offstage_driver_name[0] ? 0 : 1;
}
