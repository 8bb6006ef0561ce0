/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "classes.h"

#include <string.h>

#include "util.h"

/* System-defined device setup classes (Microsoft, "System-Defined Device
 * Setup Classes Available to Vendors"), the ones a Windows 7 driver may use. */
static const struct {
    const char *name;
    const char *guid;
} classes[] = {
    {"1394", "{6bdd1fc1-810f-11d0-bec7-08002be2092f}"},
    {"Battery", "{72631e54-78a4-11d0-bcf7-00aa00b7b32a}"},
    {"Biometric", "{53d29ef7-377c-4d14-864b-eb3a85769359}"},
    {"Bluetooth", "{e0cbf06c-cd8b-4647-bb8a-263b43f0f974}"},
    {"CDROM", "{4d36e965-e325-11ce-bfc1-08002be10318}"},
    {"Computer", "{4d36e966-e325-11ce-bfc1-08002be10318}"},
    {"DiskDrive", "{4d36e967-e325-11ce-bfc1-08002be10318}"},
    {"Display", "{4d36e968-e325-11ce-bfc1-08002be10318}"},
    {"fdc", "{4d36e969-e325-11ce-bfc1-08002be10318}"},
    {"FloppyDisk", "{4d36e980-e325-11ce-bfc1-08002be10318}"},
    {"hdc", "{4d36e96a-e325-11ce-bfc1-08002be10318}"},
    {"HIDClass", "{745a17a0-74d3-11d0-b6fe-00a0c90f57da}"},
    {"Image", "{6bdd1fc6-810f-11d0-bec7-08002be2092f}"},
    {"Infrared", "{6bdd1fc5-810f-11d0-bec7-08002be2092f}"},
    {"Keyboard", "{4d36e96b-e325-11ce-bfc1-08002be10318}"},
    {"MediumChanger", "{ce5939ae-ebde-11d0-b181-0000f8753ec4}"},
    {"MEDIA", "{4d36e96c-e325-11ce-bfc1-08002be10318}"},
    {"Modem", "{4d36e96d-e325-11ce-bfc1-08002be10318}"},
    {"Monitor", "{4d36e96e-e325-11ce-bfc1-08002be10318}"},
    {"Mouse", "{4d36e96f-e325-11ce-bfc1-08002be10318}"},
    {"MTD", "{4d36e970-e325-11ce-bfc1-08002be10318}"},
    {"Multifunction", "{4d36e971-e325-11ce-bfc1-08002be10318}"},
    {"MultiPortSerial", "{50906cb8-ba12-11d1-bf5d-0000f805f530}"},
    {"Net", "{4d36e972-e325-11ce-bfc1-08002be10318}"},
    {"NetClient", "{4d36e973-e325-11ce-bfc1-08002be10318}"},
    {"NetService", "{4d36e974-e325-11ce-bfc1-08002be10318}"},
    {"NetTrans", "{4d36e975-e325-11ce-bfc1-08002be10318}"},
    {"PCMCIA", "{4d36e977-e325-11ce-bfc1-08002be10318}"},
    {"Ports", "{4d36e978-e325-11ce-bfc1-08002be10318}"},
    {"Printer", "{4d36e979-e325-11ce-bfc1-08002be10318}"},
    {"Processor", "{50127dc3-0f36-415e-a6cc-4cb3be910b65}"},
    {"SCSIAdapter", "{4d36e97b-e325-11ce-bfc1-08002be10318}"},
    {"SecurityDevices", "{d94ee5d8-d189-4994-83d2-f68d7d41b0e6}"},
    {"Sensor", "{5175d334-c371-4806-b3ba-71fd53c9258d}"},
    {"SmartCardReader", "{50dd5230-ba8a-11d1-bf5d-0000f805f530}"},
    {"System", "{4d36e97d-e325-11ce-bfc1-08002be10318}"},
    {"TapeDrive", "{6d807884-7d21-11cf-801c-08002be10318}"},
    {"USB", "{36fc9e60-c465-11cf-8056-444553540000}"},
    {"Volume", "{71a27cdd-812a-11d0-bec7-08002be2092f}"},
    {"WPD", "{eec5ad98-8080-425f-922a-dabf3de3f69a}"},
};

#define N_CLASSES (sizeof classes / sizeof classes[0])

const char *ost_class_guid_for_name(const char *name)
{
    for (unsigned i = 0; i < N_CLASSES; i++)
        if (ost_streq_ci(classes[i].name, name))
            return classes[i].guid;
    return NULL;
}

const char *ost_class_name_for_guid(const char *guid)
{
    for (unsigned i = 0; i < N_CLASSES; i++)
        if (ost_streq_ci(classes[i].guid, guid))
            return classes[i].name;
    return NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool ost_guid_is_valid(const char *g)
{
    static const char shape[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
    if (strlen(g) != sizeof shape - 1)
        return false;
    for (unsigned i = 0; shape[i]; i++)
        if (shape[i] == 'x' ? !is_hex(g[i]) : g[i] != shape[i])
            return false;
    return true;
}
