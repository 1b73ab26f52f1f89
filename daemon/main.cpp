// SPDX-License-Identifier: MIT
// prefixd: the command line. `serve` (the default) runs the daemon; `db`
// and `user` are the administration commands.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "backend/version.h"
#include "daemon/admin_commands.h"
#include "daemon/config.h"
#include "daemon/logging.h"
#include "daemon/man_page.h"
#include "daemon/master.h"
#include "daemon/nipap_import.h"
#include "daemon/process_title.h"

namespace {

constexpr const char* kDefaultConfigPath = "/etc/prefixd/prefixd.yaml";

struct CommandLine {
  std::string config_path;
  std::optional<long> workers;
  std::optional<std::string> listen;
  std::optional<std::string> pid_file;
  bool check_config = false;
  bool foreground = false;
  bool print_default_config = false;
};

// The file (if any) with the command-line options laid over it.
prefixd::daemon::Config load(const CommandLine& cl) {
  using namespace prefixd::daemon;
  Config config;
  if (!cl.config_path.empty()) {
    config = load_config_file(cl.config_path);
  } else if (std::filesystem::exists(kDefaultConfigPath)) {
    config = load_config_file(kDefaultConfigPath);
  }
  if (cl.workers) set_config_key(config, "workers", std::to_string(*cl.workers));
  if (cl.listen) set_config_key(config, "listen", *cl.listen);
  if (cl.pid_file) set_config_key(config, "pid_file", *cl.pid_file);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace prefixd::daemon;
  init_process_title(argc, argv);

  CLI::App app{"prefixd: an IP address management daemon that speaks NIPAP's XML-RPC API"};
  app.set_version_flag("--version", std::string("prefixd ") + prefixd::kVersion);
  CommandLine cl;
  app.add_option("-c,--config", cl.config_path,
                 std::string("configuration file (default: ") + kDefaultConfigPath +
                     " when it exists, else built-in defaults)")
      ->type_name("FILE");
  app.add_option("--workers", cl.workers, "worker processes, 0 to 256 (0: one per CPU)")
      ->check(CLI::Range(0, 256).description(""))
      ->type_name("N");
  app.add_option("--listen", cl.listen, "address to serve on, ADDRESS:PORT")
      ->type_name("ADDRESS:PORT");
  app.add_option("--pid-file", cl.pid_file, "write the master's pid to this file")
      ->type_name("FILE");
  app.add_flag("--check-config", cl.check_config,
               "validate the configuration, print the result and exit");
  app.add_flag("-f,--foreground", cl.foreground,
               "stay in the foreground and log to stderr (default: detach)");
  app.add_flag("--print-default-config", cl.print_default_config,
               "print the commented default configuration and exit");
  // Hidden: the build generates the man pages' option and key lists with it.
  std::string man_page;
  app.add_option("--print-man-page", man_page, "print the generated part of a man page")
      ->check(CLI::IsMember({"command", "config"}))
      ->group("");

  auto* serve = app.add_subcommand("serve", "run the daemon (the default command)");
  serve->fallthrough();

  auto* db = app.add_subcommand("db", "database schema commands");
  db->fallthrough();
  db->require_subcommand(1);
  auto* db_init_cmd = db->add_subcommand("init", "create the extensions and the schema");
  auto* db_upgrade_cmd =
      db->add_subcommand("upgrade", "apply pending migrations; adopts a NIPAP database");
  auto* db_status_cmd = db->add_subcommand("status", "show the schema's migration level");
  for (auto* c : {db_init_cmd, db_upgrade_cmd, db_status_cmd}) c->fallthrough();

  auto* user = app.add_subcommand("user", "manage the accounts that may call the API");
  user->fallthrough();
  user->require_subcommand(1);
  UserOptions uo;
  auto* user_add_cmd = user->add_subcommand("add", "add an account");
  user_add_cmd->add_option("NAME", uo.name, "login name")->required();
  user_add_cmd->add_option("--full-name", uo.full_name, "the person's or system's name");
  user_add_cmd->add_flag("--trusted", uo.trusted,
                         "may act as another user through the auth options");
  user_add_cmd->add_flag("--readonly", uo.readonly, "may only read");
  user_add_cmd->add_flag("--password-stdin", uo.password_stdin,
                         "read the password from the first line of standard input");
  std::string remove_name;
  auto* user_remove_cmd = user->add_subcommand("remove", "remove an account");
  user_remove_cmd->add_option("NAME", remove_name, "login name")->required();
  auto* user_list_cmd = user->add_subcommand("list", "list the accounts");
  std::string passwd_name;
  bool passwd_stdin = false;
  auto* user_passwd_cmd = user->add_subcommand("passwd", "change an account's password");
  user_passwd_cmd->add_option("NAME", passwd_name, "login name")->required();
  user_passwd_cmd->add_flag("--password-stdin", passwd_stdin,
                            "read the password from the first line of standard input");
  std::string import_path;
  bool import_dry_run = false;
  auto* user_import_cmd = user->add_subcommand(
      "import-nipap",
      "import the accounts of NIPAP's local_auth.db with their passwords (re-hashed with "
      "yescrypt at each user's first login); all or nothing, and running it again changes "
      "nothing");
  user_import_cmd->add_option("PATH", import_path, "NIPAP's local_auth.db")->required();
  user_import_cmd->add_flag("--dry-run", import_dry_run, "print what would change, change nothing");
  for (auto* c : {user_add_cmd, user_remove_cmd, user_list_cmd, user_passwd_cmd, user_import_cmd}) {
    c->fallthrough();
  }

  CLI11_PARSE(app, argc, argv);

  if (!man_page.empty()) {
    std::cout << (man_page == "config" ? config_man_section() : command_man_sections(app));
    return 0;
  }
  if (cl.print_default_config) {
    std::cout << default_config_text();
    return 0;
  }
  Config config;
  try {
    config = load(cl);
  } catch (const std::exception& e) {
    std::cerr << "prefixd: " << e.what() << "\n";
    return 1;
  }
  if (cl.check_config) {
    std::cout << "configuration OK: listen " << config.listen.text() << ", "
              << config.effective_workers() << " worker(s)\n";
    return 0;
  }

  if (*db_init_cmd) return db_init(config);
  if (*db_upgrade_cmd) return db_upgrade(config);
  if (*db_status_cmd) return db_status(config);
  if (*user_add_cmd) return user_add(config, uo);
  if (*user_remove_cmd) return user_remove(config, remove_name);
  if (*user_list_cmd) return user_list(config);
  if (*user_passwd_cmd) return user_passwd(config, passwd_name, passwd_stdin);
  if (*user_import_cmd) return user_import_nipap(config, import_path, import_dry_run);

  setup_logging(config, "master");
  MasterOptions options;
  options.foreground = cl.foreground;
  options.reload = [cl] { return load(cl); };
  return run_master(config, options);
}
