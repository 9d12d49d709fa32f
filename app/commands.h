// The CLI's command groups (DESIGN.md §6). Each group lives in its own file and adds its
// subcommands to the app; a command's callback runs it and sets context.exit_code.
// `import_cmd` is the shared `import` parent (import pagerduty | chaostoolkit | gremlin).
#pragma once

#include "app/cli_context.h"

namespace steadystate::app {

// import pagerduty, incidents list (app/cli_incidents.cc).
void AddIncidentCommands(CLI::App& cli, CLI::App& import_cmd, CliContext& context);
// attack run|start|end, attacks list, import chaostoolkit|gremlin (app/cli_attacks.cc).
void AddAttackCommands(CLI::App& cli, CLI::App& import_cmd, CliContext& context);

// metrics, report before-after|attack (app/cli_reports.cc).
void AddReportCommands(CLI::App& cli, CliContext& context);

// rules prometheus (app/cli_rules.cc).
void AddRulesCommands(CLI::App& cli, CliContext& context);

// store check|repair|backup (app/cli_store.cc).
void AddStoreCommands(CLI::App& cli, CliContext& context);

}  // namespace steadystate::app
