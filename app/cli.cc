#include "app/cli.h"

#include "app/daemon.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "app/cli_context.h"
#include "app/commands.h"
#include "app/serve.h"
#include "app/version.h"
#include "common/log.h"
#include "config/config.h"
#include "config/openslo.h"

namespace steadystate::app {
namespace {

int CheckConfig(const std::string& path) {
  auto config = config::LoadFile(path);
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return kExitUsage;
  }
  if (auto slos = config::LoadSloFiles(*config); !slos.ok()) {
    std::cerr << slos.error().message << "\n";
    return kExitUsage;
  }
  // Valid, but it could not run here.
  if (auto curl = CheckLibcurlFor(*config); !curl.ok()) {
    std::cerr << curl.error().message << "\n";
    return kExitRuntime;
  }
  std::cout << path << ": ok\n";
  return kExitOk;
}

std::string CommandNames(const CLI::App& cli) {
  std::string out;
  for (const auto* sub : cli.get_subcommands([](const CLI::App*) { return true; })) {
    if (!out.empty()) out += ", ";
    out += sub->get_name();
  }
  return out;
}

}  // namespace

int RunCli(int argc, char** argv) {
  // Whatever a command logs (retries, import warnings) is redacted and escaped too.
  ProtectDefaultLogger();
  CLI::App cli{"steadystate: SLOs, incidents and chaos attacks, measured.", "steadystate"};
  cli.set_version_flag("--version", std::string("steadystate ") + STEADYSTATE_VERSION + " (" +
                                        STEADYSTATE_REVISION + ")");
  cli.require_subcommand(1);
  cli.fallthrough();

  CliContext context;
  cli.add_option("--server", context.server_url, "URL of the running daemon's API")
      ->capture_default_str();
  cli.add_option("--config", context.config_path,
                 "Config file (default: the embedded default; see `config default`)");
  cli.add_option("--data", context.data_dir, "Data directory (overrides storage.path)");

  ServeFlags serve_flags;
  auto* serve = cli.add_subcommand("serve", "Run the daemon: sampling, probes, alerts, HTTP API");
  serve->add_option("--listen", serve_flags.listen,
                    "HOST:PORT to serve on (overrides server.listen)");
  serve->callback([&] {
    serve_flags.config_path = context.config_path;
    serve_flags.data_dir = context.data_dir;
    context.exit_code = Serve(serve_flags);
  });

  std::string check_path;
  auto* check = cli.add_subcommand(
      "check-config", "Validate a config file: exit 0 when valid, 2 with file:line:col otherwise");
  check->add_option("FILE", check_path, "Config file to check")->required();
  check->callback([&] { context.exit_code = CheckConfig(check_path); });

  auto* config_cmd = cli.add_subcommand("config", "Config utilities");
  config_cmd->require_subcommand(1);
  config_cmd->add_subcommand("default", "Print the embedded default config")->callback([&] {
    std::cout << config::DefaultYaml();
  });

  auto* import_cmd = cli.add_subcommand("import", "Import incidents or chaos attack windows");
  import_cmd->require_subcommand(1);
  AddIncidentCommands(cli, *import_cmd, context);
  AddAttackCommands(cli, *import_cmd, context);
  AddRulesCommands(cli, context);
  AddReportCommands(cli, context);
  AddStoreCommands(cli, context);

  if (argc <= 1) {
    std::cerr << cli.help();
    return kExitUsage;
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports "A subcommand is required" for a mistyped command; name it instead.
    auto extras = cli.remaining();
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !extras.empty()) {
      std::cerr << "steadystate: unknown command \"" << extras.front()
                << "\" (commands: " << CommandNames(cli) << "; see --help)\n";
      return kExitUsage;
    }
    cli.exit(e);
    return kExitUsage;
  }
  return context.exit_code;
}

}  // namespace steadystate::app
