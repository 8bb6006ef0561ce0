/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage — stage Windows drivers into offline Windows images from Linux. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image_cli.h"
#include "offstage.h"

static const struct ost_command *const commands[] = {
    &ost_cmd_check_package,
    &ost_cmd_match,
    &ost_cmd_cat_info,
    &ost_cmd_make_cat,
    &ost_cmd_add_driver,
    &ost_cmd_media,
    &ost_cmd_get_drivers,
    &ost_cmd_get_driver_info,
    &ost_cmd_remove_driver,
    &ost_cmd_add_cert,
    &ost_cmd_get_certs,
    &ost_cmd_remove_cert,
    &ost_cmd_bcd,
    &ost_cmd_set_param,
    &ost_cmd_get_param,
    &ost_cmd_doctor,
    &ost_cmd_wim_info,
    &ost_cmd_setupapi_log,
    &ost_cmd_make_test_image,
    &ost_cmd_make_test_cert,
    &ost_cmd_sign,
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

const struct ost_command *ost_cli_find_command(const char *name)
{
    for (unsigned i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

const char *const *ost_cli_command_names(void)
{
    static const char *names[N_COMMANDS + 1];
    for (unsigned i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i]->name;
    return names;
}

static const char help_help[] =
    "usage: offstage help [COMMAND]\n"
    "\n"
    "Shows what a command does, when to use it, its options and examples;\n"
    "without COMMAND, lists the commands. `offstage COMMAND --help` says the\n"
    "same as `offstage help COMMAND`.\n"
    "\n"
    "Examples:\n"
    "  offstage help                 the commands, one line each\n"
    "  offstage help add-driver      how to stage a driver into an image\n"
    "\n"
    "Exit status: 0 shown; 2 no such command.\n";

/* The way out of a word that is not a command: the command it is close
 * to, or the list. Options before the command (offstage --image X ...)
 * are answered with where they go. */
static int not_a_command(const char *word)
{
    const char *words[N_COMMANDS + 3] = {"help", "version"};
    memcpy(words + 2, ost_cli_command_names(), sizeof(const char *) * (N_COMMANDS + 1));
    const char *bare = word + strspn(word, "-");
    const char *near = ost_cli_find_command(bare) ? bare : ost_cli_closest(bare, words);
    if (near && bare != word)
        return ost_cli_usage_error(NULL, "'%s' is not a command; did you mean the command '%s'?", word, near);
    if (near)
        return ost_cli_usage_error(NULL, "'%s' is not a command; did you mean '%s'?", word, near);
    if (bare != word)
        return ost_cli_usage_error(NULL, "'%s' is not a command; options go after the command: offstage COMMAND %s "
                                   "...", word, word);
    return ost_cli_usage_error(NULL, "'%s' is not a command", word);
}

static void print_overview(FILE *out)
{
    fputs("usage: offstage COMMAND [ARGS]\n"
          "\n"
          "offstage stages Windows drivers into offline Windows images from Linux:\n"
          "no Windows host, no DISM, no mount, no root.\n"
          "\n"
          "Images are changed all or nothing. A command stopped at any point (kill -9,\n"
          "a crash, power loss) leaves a journal; the next command on the image\n"
          "completes or undoes it and says so in one line. Ctrl-C ends a command\n"
          "cleanly. One command at a time changes an image: another waits up to\n"
          "OFFSTAGE_LOCK_TIMEOUT seconds (default 30; 0 refuses at once) and then\n"
          "stops, naming the pid of the one in the way.\n"
          "\n"
          "Commands:\n",
          out);
    for (unsigned i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-16s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\n"
          "Every command takes --help, and `offstage help COMMAND` says the same.\n"
          "Commands that answer a question take --json for scripts. With --json an\n"
          "error is also a JSON object on stdout, {\"error\": {\"message\", \"file\",\n"
          "\"place\", \"status\", \"exit\"}} (file and place null when the message names\n"
          "none), while its text stays on stderr.\n"
          "An option that takes a value is given once; the ones a help marks\n"
          "(repeatable) or shows with \"...\" add up (--driver A --driver B).\n"
          "\n"
          "Commands that print a plan or progress before their result (add-driver,\n"
          "media, remove-driver, add-cert, remove-cert, set-param, bcd, make-cat,\n"
          "sign, make-test-image, make-test-cert) take --quiet: only the last line\n"
          "(the result) and errors are printed. Those that write take --dry-run:\n"
          "they print what they would write and write nothing, and exit as the\n"
          "real run would; e.g., in a script:\n"
          "  offstage add-driver --image install.wim --index all --driver pkg --dry-run --quiet\n"
          "\n"
          "Examples (the virtio-snd driver for Windows 7 x64, test-signed):\n"
          "  offstage wim-info install.wim\n"
          "  offstage make-test-cert --out /tmp/testcert\n"
          "  offstage add-driver --image install.wim --index all \\\n"
          "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
          "  offstage add-driver --image boot.wim --index 2 \\\n"
          "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
          "  offstage add-driver --image win7.qcow2 \\\n"
          "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
          "  offstage get-drivers --image install.wim --index all\n"
          "  offstage get-driver-info --image install.wim --index 1 --driver aero_virtio_snd.inf\n"
          "  offstage set-param --image win7.qcow2 --device 'PCI\\VEN_1AF4&DEV_1059' \\\n"
          "      ForceNullBackend=1 AllowPollingOnly=1\n"
          "  # after the VM has booted once: why the device did or did not bind\n"
          "  offstage doctor --image win7.qcow2\n"
          "\n"
          "Exit status: 0 success or a positive answer; 1 a negative answer\n"
          "(validation failed, would not bind); 2 an error (usage, unreadable or\n"
          "corrupt input, I/O).\n",
          out);
}

/* The commands whose --image may be a virtual disk. */
static bool takes_disk(const struct ost_command *cmd)
{
    static const struct ost_command *const with_image[] = {
        &ost_cmd_check_package, &ost_cmd_add_driver, &ost_cmd_get_drivers, &ost_cmd_get_driver_info,
        &ost_cmd_remove_driver, &ost_cmd_add_cert, &ost_cmd_get_certs, &ost_cmd_remove_cert, &ost_cmd_bcd,
        &ost_cmd_set_param, &ost_cmd_get_param, &ost_cmd_doctor, &ost_cmd_setupapi_log,
    };
    for (size_t i = 0; i < sizeof with_image / sizeof *with_image; i++)
        if (with_image[i] == cmd)
            return true;
    return false;
}

void ost_cli_print_help(FILE *out, const struct ost_command *cmd)
{
    fputs(cmd->help, out);
    if (takes_disk(cmd))
        fputs(ost_cli_disk_help, out);
}

/* Ctrl-C, kill and a closed terminal end a command through its error path
 * (interrupt.h): the change is discarded, or finished when already past
 * its decision point, and the command says which. */
static void install_interrupt_handlers(void)
{
    struct sigaction sa = {.sa_handler = ost_interrupt_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* The commands that print plans or progress before their result: they
 * take --quiet (only the last line and errors). */
static bool takes_quiet(const struct ost_command *cmd)
{
    static const struct ost_command *const with_quiet[] = {
        &ost_cmd_add_driver, &ost_cmd_media,    &ost_cmd_remove_driver, &ost_cmd_add_cert,
        &ost_cmd_remove_cert, &ost_cmd_set_param, &ost_cmd_bcd,          &ost_cmd_make_cat,
        &ost_cmd_sign,       &ost_cmd_make_test_image, &ost_cmd_make_test_cert,
    };
    for (size_t i = 0; i < sizeof with_quiet / sizeof *with_quiet; i++)
        if (with_quiet[i] == cmd)
            return true;
    return false;
}

/* Takes --quiet out of the arguments (before a "--"), so that the
 * commands' own option parsing never sees it; true when it was there. */
static bool take_quiet(int *argc, char **argv)
{
    bool found = false;
    int n = 2;
    bool past = false;
    for (int i = 2; i < *argc; i++) {
        past = past || !strcmp(argv[i], "--");
        if (!past && !strcmp(argv[i], "--quiet")) {
            found = true;
            continue;
        }
        argv[n++] = argv[i];
    }
    argv[n] = NULL;
    *argc = n;
    return found;
}

/* Runs cmd with its arguments (argv[1] is its name), after the options
 * every disk-taking command shares. */
static int run_command(const struct ost_command *cmd, int argc, char **argv)
{
    if (takes_disk(cmd)) {
        for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                ost_cli_print_help(stdout, cmd);
                return OST_EXIT_OK;
            }
        int n = argc - 1, rc = ost_cli_take_disk_options(cmd->name, &n, argv + 1);
        if (rc)
            return rc;
        argc = n + 1;
    }
    return cmd->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return OST_EXIT_ERROR;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        print_overview(stdout);
        return OST_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("offstage %s\n", ost_version());
        return OST_EXIT_OK;
    }
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            print_overview(stdout);
            return OST_EXIT_OK;
        }
        if (argc > 3)
            return ost_cli_usage_error("help", "name one command, not %d", argc - 2);
        if (!strcmp(argv[2], "help") || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
            fputs(help_help, stdout);
            return OST_EXIT_OK;
        }
        const struct ost_command *c = ost_cli_find_command(argv[2]);
        if (!c)
            return not_a_command(argv[2]);
        ost_cli_print_help(stdout, c);
        return OST_EXIT_OK;
    }
    const struct ost_command *cmd = ost_cli_find_command(name);
    if (!cmd)
        return not_a_command(name);
    install_interrupt_handlers();
    /* Noted here, before the command parses its options, so that its every
     * error path (usage errors too) can answer in JSON. */
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--json"))
            ost_cli_json_errors(true);
    bool help = false;
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        help = help || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
    bool quiet = takes_quiet(cmd) && take_quiet(&argc, argv) && !help;
    if (quiet)
        ost_cli_quiet_begin();
    int rc = ost_cli_finish_json(name, run_command(cmd, argc, argv));
    if (quiet)
        ost_cli_quiet_end();
    return rc;
}
