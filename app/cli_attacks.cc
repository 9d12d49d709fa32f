// attack run|start|end, attacks list, import chaostoolkit|gremlin: not yet implemented
// (issue 6).
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace steadystate::app {

void AddAttackCommands(CLI::App& /*cli*/, CLI::App& /*import_cmd*/, CliContext& /*context*/) {}

}  // namespace steadystate::app
