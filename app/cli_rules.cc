// `steadystate rules prometheus`: prints Prometheus rules for the fleet (DESIGN.md §8).
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.h"
#include "exporters/prometheus_rules.h"
#include "slo/burn_rate.h"

namespace steadystate::app {

void AddRulesCommands(CLI::App& cli, CliContext& context) {
  auto* rules = cli.add_subcommand("rules", "Generate rules for other tools");
  rules->require_subcommand(1);
  rules
      ->add_subcommand("prometheus",
                       "Print Prometheus recording and alerting rules for a fleet of agents, "
                       "from --config (check them with `promtool check rules`)")
      ->callback([&context] {
        auto config = LoadCliConfig(context);
        if (!config.ok()) {
          std::cerr << config.error().message << "\n";
          context.exit_code = kExitUsage;
          return;
        }
        std::cout << exporters::PrometheusRules(*config, slo::DefaultBurnRateTiers());
      });
}

}  // namespace steadystate::app
