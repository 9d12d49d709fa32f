#include "common/log.h"

#include <gtest/gtest.h>

namespace steadystate {
namespace {
TEST(JsonEscape, EscapesQuotesAndControlCharacters) {
  EXPECT_EQ(JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}
}  // namespace
}  // namespace steadystate
