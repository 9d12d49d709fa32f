// `steadystate serve`: loads the config, runs the Daemon, and handles signals until
// SIGTERM or SIGINT. SIGHUP reloads the config file; a bad file is reported and the old
// config keeps running.
#pragma once

#include <string>

namespace steadystate::app {

struct ServeFlags {
  std::string config_path;  // empty: the embedded default
  std::string data_dir;     // overrides storage.path when set
  std::string listen;       // overrides server.listen when set
};

int Serve(const ServeFlags& flags);

}  // namespace steadystate::app
