// Fuzz target: HTTP request handling at the seam (HttpServer::Handle: the Host/Origin/
// Content-Type/token gate, path routing and every route's parameter and body parsing),
// without a socket. Routes: the server's own (metrics, health, alerts, steady state,
// attacks), the incident list and import (incidents/api.h) and the reports
// (incidents/report_sources.h), over one store in a temporary directory (on /dev/shm when
// there is one) that is replaced every kInputsPerStore inputs so it stays small.
//
// Input: a flags byte, then path, query ("a=1&b=2"), headers ("name: value" lines) and body,
// separated by '\0'. Flags: bits 0-1 the method (GET, POST, HEAD, or the first header line's
// "method: X"), bit 2 the server with an API token, bit 3 a correct bearer token, bit 4
// "content-type: application/json", bit 5 a Host naming the listener.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "chaos/api.h"
#include "chaos/attack.h"
#include "exporters/metrics.h"
#include "exporters/read_api.h"
#include "http/server.h"
#include "incidents/api.h"
#include "incidents/incident_store.h"
#include "incidents/report_sources.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/fake_clock.h"

namespace {

namespace exporters = steadystate::exporters;
namespace chaos = steadystate::chaos;
namespace http = steadystate::http;
namespace incidents = steadystate::incidents;
namespace store = steadystate::store;

constexpr int kInputsPerStore = 2000;
constexpr std::string_view kToken = "fuzz-token";

std::string LowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// One store, attack log and the two servers over them (with and without a token).
class World {
 public:
  World() {
    const char* shm = "/dev/shm";
    std::error_code error;
    std::string base = std::filesystem::is_directory(shm, error)
                           ? shm
                           : std::filesystem::temp_directory_path().string();
    std::string pattern = base + "/steadystate-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    store::Options options;
    options.path = dir_ + "/data";
    auto opened = store::Store::Open(options, clock_);
    if (!opened.ok()) std::abort();
    store_ = std::move(*opened);
    attacks_ = std::make_unique<chaos::AttackLog>(*store_, clock_);
    incident_store_ = std::make_unique<incidents::IncidentStore>(*store_);
    metrics_ = std::make_unique<exporters::Metrics>(exporters::BuildInfo{"0", "fuzz", "clang"});

    incidents::IncidentReportSources sources;
    sources.incidents = [this](std::optional<steadystate::Timestamp> since,
                               std::optional<steadystate::Timestamp> until) {
      return incident_store_->List(incidents::IncidentFilter{since, until, ""});
    };
    sources.attacks = [this](std::optional<steadystate::Timestamp> since,
                             std::optional<steadystate::Timestamp> until) {
      return attacks_->List(since, until);
    };
    sources.attack = [this](std::string_view id) { return attacks_->Get(id); };
    sources.store = store_.get();
    sources.clock = &clock_;

    exporters::ReadApiSources read_api;
    read_api.metrics = metrics_.get();
    read_api.steady_state =
        [](std::string_view services) -> steadystate::Result<std::pair<int, std::string>> {
      if (services.find("missing") != std::string_view::npos) {
        return steadystate::MakeError(steadystate::ErrorCode::kInvalidInput, "unknown service");
      }
      return std::pair<int, std::string>{200, "{\"steady_state\":\"held\"}"};
    };
    http::HttpServerDeps deps;
    deps.routes = exporters::ReadApiRoutes(std::move(read_api));
    for (auto& route : chaos::AttackRoutes(*attacks_)) deps.routes.push_back(std::move(route));
    for (auto& route : incidents::IncidentReportRoutes(sources)) {
      deps.routes.push_back(std::move(route));
    }
    for (auto& route : incidents::IncidentRoutes(sources, *store_, nullptr)) {
      deps.routes.push_back(std::move(route));
    }

    http::HttpServerOptions open_options;
    open_options.port = 0;
    open_server_ = std::make_unique<http::HttpServer>(open_options, deps, clock_);
    http::HttpServerOptions token_options = open_options;
    token_options.api_token = std::string(kToken);
    token_server_ = std::make_unique<http::HttpServer>(token_options, deps, clock_);
  }
  ~World() {
    open_server_.reset();
    token_server_.reset();
    attacks_.reset();
    incident_store_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const http::HttpServer& server(bool with_token) const {
    return with_token ? *token_server_ : *open_server_;
  }

 private:
  steadystate::FakeClock clock_;
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<chaos::AttackLog> attacks_;
  std::unique_ptr<incidents::IncidentStore> incident_store_;
  std::unique_ptr<exporters::Metrics> metrics_;
  std::unique_ptr<http::HttpServer> open_server_;
  std::unique_ptr<http::HttpServer> token_server_;
};

std::unique_ptr<World>& TheWorld() {
  static std::unique_ptr<World> world;
  return world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int inputs = 0;
  auto& world = TheWorld();
  if (!world || ++inputs % kInputsPerStore == 0) {
    world.reset();
    world = std::make_unique<World>();
    static const bool registered = [] {
      std::atexit([] { TheWorld().reset(); });
      return true;
    }();
    (void)registered;
  }

  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t flags = input.TakeByte();
  http::HttpRequestData request;
  request.path = std::string(input.TakeUntilNul());
  std::string_view query = input.TakeUntilNul();
  std::string_view headers = input.TakeUntilNul();
  request.body = std::string(input.Rest());

  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    size_t eq = pair.find('=');
    request.query.emplace(std::string(pair.substr(0, eq)),
                          eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  std::string method_header;
  while (!headers.empty()) {
    size_t newline = headers.find('\n');
    std::string_view line = headers.substr(0, newline);
    headers.remove_prefix(newline == std::string_view::npos ? headers.size() : newline + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = LowerCase(Trim(line.substr(0, colon)));
    std::string value(Trim(line.substr(colon + 1)));
    if (name == "method") {
      method_header = value;
      continue;
    }
    auto [it, inserted] = request.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  switch (flags & 3) {
    case 0:
      request.method = "GET";
      break;
    case 1:
      request.method = "POST";
      break;
    case 2:
      request.method = "HEAD";
      break;
    case 3:
      request.method = method_header;
      break;
  }
  bool with_token = (flags & 4) != 0;
  if ((flags & 8) != 0) request.headers["authorization"] = "Bearer " + std::string(kToken);
  if ((flags & 16) != 0) request.headers["content-type"] = "application/json";
  if ((flags & 32) != 0) request.headers["host"] = "127.0.0.1:9470";

  // No try: the transport would turn an exception into a 500, but a route that throws on
  // what a client sent is a bug to find here (it should have been a 4xx).
  http::HttpReply reply = world->server(with_token).Handle(request);
  FUZZ_CHECK(reply.status >= 100 && reply.status <= 599);
  return 0;
}
