// import pagerduty, incidents list: not yet implemented (issue 5).
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace steadystate::app {

void AddIncidentCommands(CLI::App& /*cli*/, CLI::App& /*import_cmd*/, CliContext& /*context*/) {}

}  // namespace steadystate::app
