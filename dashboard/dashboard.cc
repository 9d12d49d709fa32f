#include "dashboard/dashboard.h"

#include <memory>

#include "dashboard/html.h"
#include "http/csp.h"

namespace steadystate::dashboard {
namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";

http::ApiResponse Html(int status, std::string body) {
  http::ApiResponse out;
  out.status = status;
  out.content_type = kHtml;
  out.body = std::move(body);
  // Always current: the page is the live status.
  out.headers.emplace_back("Cache-Control", "no-store");
  http::ApplyContentSecurityPolicy(out, {.connect_self = true, .style_attributes = true},
                                   http::NewCspNonce());
  return out;
}

}  // namespace

Dashboard MakeDashboard(DashboardSources sources, const Clock& clock) {
  auto data = std::make_shared<DashboardData>(std::move(sources), clock);
  Dashboard dashboard;
  dashboard.warm = [data] { data->BuildOverview(); };
  std::vector<http::ApiRoute>& routes = dashboard.routes;
  routes.push_back({http::ApiRoute::Method::kGet, "/", false, [data](const http::ApiRequest&) {
                      return Html(200, RenderOverview(data->BuildOverview()));
                    }});
  routes.push_back({http::ApiRoute::Method::kGet, "/services/{}", false,
                    [data](const http::ApiRequest& request) {
                      const std::string& name = request.matches.at(0);
                      auto detail = data->BuildService(name, request.Param("range", "24h"));
                      if (!detail) return Html(404, RenderNotFound(name));
                      return Html(200, RenderServicePage(*detail));
                    }});
  return dashboard;
}

}  // namespace steadystate::dashboard
