#include "app/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "app/serve.h"
#include "app/version.h"
#include "config/config.h"
#include "config/openslo.h"

namespace steadystate::app {
namespace {

constexpr int kOk = 0;
constexpr int kUsage = 2;

int CheckConfig(const std::string& path) {
  auto config = config::LoadFile(path);
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return kUsage;
  }
  if (auto slos = config::LoadSloFiles(*config); !slos.ok()) {
    std::cerr << slos.error().message << "\n";
    return kUsage;
  }
  std::cout << path << ": ok\n";
  return kOk;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App cli{"steadystate: SLOs, incidents and chaos attacks, measured.", "steadystate"};
  cli.set_version_flag("--version", std::string("steadystate ") + STEADYSTATE_VERSION + " (" +
                                        STEADYSTATE_REVISION + ")");
  cli.require_subcommand(1);
  cli.fallthrough();

  ServeFlags serve_flags;
  std::string server_url = "http://127.0.0.1:9470";
  cli.add_option("--server", server_url, "URL of the running daemon's API")->capture_default_str();
  cli.add_option("--config", serve_flags.config_path,
                 "Config file (default: the embedded default; see `config default`)");
  cli.add_option("--data", serve_flags.data_dir, "Data directory (overrides storage.path)");

  auto* serve = cli.add_subcommand("serve", "Run the daemon: sampling, probes, alerts, HTTP API");
  serve->add_option("--listen", serve_flags.listen,
                    "HOST:PORT to serve on (overrides server.listen)");

  std::string check_path;
  auto* check = cli.add_subcommand(
      "check-config", "Validate a config file: exit 0 when valid, 2 with file:line:col otherwise");
  check->add_option("FILE", check_path, "Config file to check")->required();

  auto* config_cmd = cli.add_subcommand("config", "Config utilities");
  config_cmd->require_subcommand(1);
  auto* config_default = config_cmd->add_subcommand("default", "Print the embedded default config");

  if (argc <= 1) {
    std::cerr << cli.help();
    return kUsage;
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
                << "\" (commands: serve, check-config, config default; see --help)\n";
      return kUsage;
    }
    cli.exit(e);
    return kUsage;
  }

  if (serve->parsed()) return Serve(serve_flags);
  if (check->parsed()) return CheckConfig(check_path);
  if (config_default->parsed()) {
    std::cout << config::DefaultYaml();
    return kOk;
  }
  return kUsage;
}

}  // namespace steadystate::app
