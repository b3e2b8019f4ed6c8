#include "base64url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace customer_access;

namespace {

std::optional<std::string> decode(std::string_view text) {
    std::optional<std::size_t> size = base64url_decoded_size(text.size());
    if (!size)
        return std::nullopt;
    std::vector<std::uint8_t> out(*size + 1);
    std::optional<std::size_t> n = base64url_decode(text, out.data());
    if (!n)
        return std::nullopt;
    EXPECT_EQ(*n, *size);
    return std::string(out.begin(), out.begin() + static_cast<long>(*n));
}

}  // namespace

TEST(Base64Url, Rfc4648Vectors) {
    EXPECT_EQ(decode(""), "");
    EXPECT_EQ(decode("Zg"), "f");
    EXPECT_EQ(decode("Zm8"), "fo");
    EXPECT_EQ(decode("Zm9v"), "foo");
    EXPECT_EQ(decode("Zm9vYg"), "foob");
    EXPECT_EQ(decode("Zm9vYmE"), "fooba");
    EXPECT_EQ(decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, UrlSafeAlphabetOnly) {
    EXPECT_EQ(decode("-_-_"), std::string("\xfb\xff\xbf", 3));
    EXPECT_FALSE(decode("+/+/"));
    EXPECT_FALSE(decode("Zm9v\n"));
    EXPECT_FALSE(decode("Zm9v YmFy"));
}

TEST(Base64Url, NoPaddingNoImpossibleLengths) {
    EXPECT_FALSE(decode("Zg=="));
    EXPECT_FALSE(decode("Zm8="));
    EXPECT_FALSE(decode("Z"));
    EXPECT_FALSE(decode("Zm9vY"));
}

TEST(Base64Url, NonCanonicalTrailingBitsRefused) {
    EXPECT_TRUE(decode("Zg"));
    EXPECT_FALSE(decode("Zh"));  // same byte, non-zero unused bits
    EXPECT_FALSE(decode("Zm9"));
}
