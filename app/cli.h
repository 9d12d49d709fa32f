// The steadystate command line (DESIGN.md §6). Returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage or invalid input.
#pragma once

namespace steadystate::app {

int RunCli(int argc, char** argv);

}  // namespace steadystate::app
