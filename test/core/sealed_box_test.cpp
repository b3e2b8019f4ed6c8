#include "sealed_box.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {
const std::string kSecret = "0123456789abcdef0123456789abcdef";
const BoxNonce kNonce{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
}  // namespace

TEST(SealedBox, OpensOnlyUnderItsSecretKindAndDatabase) {
    std::string text = seal_box(kSecret, "tk", "db", kNonce, std::string("a\0b.c", 5));
    ASSERT_EQ(text.rfind("tk.", 0), 0u);
    EXPECT_EQ(open_box(kSecret, "tk", "db", text, 64), std::string("a\0b.c", 5));
    EXPECT_FALSE(open_box(kSecret, "tk", "db", text, 4));  // longer than allowed
    EXPECT_FALSE(open_box(kSecret, "tj", "db", "tj" + text.substr(2), 64));
    EXPECT_FALSE(open_box(kSecret, "tk", "db2", text, 64));
    EXPECT_FALSE(open_box(kSecret + "!", "tk", "db", text, 64));
    EXPECT_EQ(open_box(kSecret, "tk", "db", seal_box(kSecret, "tk", "db", kNonce, ""), 64), "");
}

TEST(SealedBox, RefusesMalformedText) {
    std::string text = seal_box(kSecret, "tk", "db", kNonce, "payload");
    for (std::string bad :
         {std::string(""), std::string("tk"), std::string("tk."), std::string("tk..."),
          text.substr(0, text.size() - 1), text + ".00",
          text.substr(0, text.find('.', 3)) + "." + "zz" + text.substr(text.find('.', 3) + 3)})
        EXPECT_FALSE(open_box(kSecret, "tk", "db", bad, 64)) << bad;
}

TEST(KeyedDigest, DependsOnSecretLabelAndMessage) {
    std::string d = keyed_digest(kSecret, "a", "m", 16);
    EXPECT_EQ(d.size(), 32u);
    EXPECT_NE(d, keyed_digest(kSecret, "b", "m", 16));
    EXPECT_NE(d, keyed_digest(kSecret, "a", "n", 16));
    EXPECT_NE(d, keyed_digest(kSecret + "x", "a", "m", 16));
    EXPECT_EQ(keyed_digest(kSecret, "a", "m", 33), "");
}
