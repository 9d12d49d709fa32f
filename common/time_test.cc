#include "common/time.h"

#include <gtest/gtest.h>

namespace steadystate {
namespace {
TEST(Rfc3339, Placeholder) { EXPECT_TRUE(ParseRfc3339("2026-11-25T17:20:23Z").ok()); }
}  // namespace
}  // namespace steadystate
