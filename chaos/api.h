// The attack windows' HTTP routes (docs/api.md):
//
//   GET  /api/v1/attacks?since=&until=&format=json|csv&limit=&cursor=   paged list
//   GET  /api/v1/attacks/{id}
//   POST /api/v1/attacks              start a window (write route)
//   POST /api/v1/attacks/{id}/end     end it (write route); 409 when it already ended
#pragma once

#include <vector>

#include "chaos/attack.h"
#include "http/server.h"

namespace steadystate::chaos {

// The routes over `attacks`, which must outlive the server that serves them.
std::vector<http::ApiRoute> AttackRoutes(AttackLog& attacks);

}  // namespace steadystate::chaos
